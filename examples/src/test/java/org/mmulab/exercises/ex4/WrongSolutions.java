// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.exercises.ex4;

import java.util.List;
import org.mmulab.exercises.Grade;

/** Wrong solutions of exercise 4 (to be written). */
public final class WrongSolutions {
    private WrongSolutions() {}

    public static List<Grade.Target> all() {
        return List.of();
    }
}
