package org.mmulab.exercises.ex5;
public class Ex5Grader {}
