package org.mmulab.exercises.ex4;
public class Ex4Grader {}
