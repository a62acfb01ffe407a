// SPDX-License-Identifier: GPL-2.0-only
/**
 * Variants of the seed commit: whole methods that replace their v3.16 namesakes in
 * {@code mmu} and {@code x86} when a variant is selected ({@code ./mmulab run --variant V}),
 * swapped in at class-load time by the examples' variant loader, so that no {@code if} in the
 * v3.16 code chooses between versions. {@code variant_v3_15} is the commit's pre-image;
 * {@code variant_no_slots_lock} and {@code variant_pt_writable} are teaching breaks. None of
 * them is v3.16 code, so none carries a {@code @KernelSource}.
 */
package org.mmulab.kernel.variants;
