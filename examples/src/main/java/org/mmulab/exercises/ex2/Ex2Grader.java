package org.mmulab.exercises.ex2;
public class Ex2Grader {}
