package org.mmulab.exercises.ex3;
public class Ex3Grader {}
