// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.explore;

import java.util.Arrays;

/**
 * An open-addressing map from long keys to int values, for the millions of state keys an
 * exhaustive search keeps (a HashMap would box each one). Key 0 is kept aside.
 */
final class LongIntMap {
    private long[] keys = new long[1 << 16];
    private int[] values = new int[1 << 16];
    private int size;
    private boolean hasZero;
    private int zeroValue;

    int size() {
        return size + (hasZero ? 1 : 0);
    }

    int get(long key, int absent) {
        if (key == 0) {
            return hasZero ? zeroValue : absent;
        }
        int mask = keys.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return values[i];
            }
            if (keys[i] == 0) {
                return absent;
            }
        }
    }

    void put(long key, int value) {
        if (key == 0) {
            hasZero = true;
            zeroValue = value;
            return;
        }
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            if (keys[i] == key) {
                values[i] = value;
                return;
            }
            if (keys[i] == 0) {
                keys[i] = key;
                values[i] = value;
                size++;
                return;
            }
        }
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9e3779b97f4a7c15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    private void grow() {
        long[] k = keys;
        int[] v = values;
        keys = new long[k.length * 2];
        values = new int[k.length * 2];
        size = 0;
        for (int i = 0; i < k.length; i++) {
            if (k[i] != 0) {
                put(k[i], v[i]);
            }
        }
        assert size <= keys.length / 2 : Arrays.toString(new int[] {size});
    }
}
