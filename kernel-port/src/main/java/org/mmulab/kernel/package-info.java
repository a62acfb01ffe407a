// SPDX-License-Identifier: GPL-2.0-only
/**
 * The port of Linux v3.16's KVM x86 MMU. Packages mirror the kernel's paths
 * ({@code arch.x86.kvm} is {@code arch/x86/kvm}, {@code virt.kvm} is {@code virt/kvm},
 * {@code linux} holds {@code include/linux} and the few {@code kernel/} and {@code lib/} files the
 * port needs); one Java class per kernel file or struct, named as the kernel names it, so that
 * {@code grep} finds the same identifier in the C and the Java. Every ported element carries a
 * {@link org.mmulab.kernel.KernelSource} with its v3.16 file and line range.
 *
 * <h2>How C becomes Java here, once for every file</h2>
 * <ul>
 * <li><b>Structs</b> are classes with public fields of the kernel's names; only the members the
 *     ported paths use exist, and the class's {@code @KernelSource} note says so.</li>
 * <li><b>Functions</b> are static methods; {@code static inline} helpers and function-like macros
 *     too. Function pointers ({@code kvm_x86_ops}, {@code kvm_mmu.page_fault}) are interfaces.
 *     {@code container_of} is a cast to the embedding class ({@code to_vmx}).</li>
 * <li><b>Pointers.</b> A {@code u64 *} into kernel memory (an {@code sptep}) is a {@code long}
 *     address, dereferenced with {@code mm.deref} and written with {@code mm.assign},
 *     {@code mm.xchg64} and {@code mm.cmpxchg64}, real VarHandle atomics on the frame in the
 *     machine's physical memory. An {@code unsigned long *} into an array (an rmap head, a
 *     dirty-bitmap word, the request word) is a {@link org.mmulab.kernel.linux.LongPtr}.
 *     Pointers to structs are references.</li>
 * <li><b>Out-parameters</b> ({@code bool *writable}, {@code gfn_t *nr_pages}) are one-element
 *     arrays; a C local whose address a helper takes is one too ({@code int[] r}).</li>
 * <li><b>{@code goto out}</b> that releases something becomes {@code try/finally}; a
 *     {@code goto} that only returns becomes {@code return}; {@code goto restart} becomes a
 *     labelled loop and {@code continue restart}. A label whose cleanup frees memory
 *     ({@code out_free}) is a small private method of the same name.</li>
 * <li><b>Integer widths.</b> {@code u64} and {@code unsigned long} are {@code long} (compared
 *     with {@code Long.compareUnsigned} where the C relies on them being unsigned); {@code u32}
 *     and {@code int} are {@code int}; bit values are the kernel's.</li>
 * <li><b>Errors</b> are the kernel's negative errnos. {@code BUG()} throws
 *     {@link org.mmulab.kernel.linux.KernelBug}; {@code WARN_ON} logs and goes on. A Java exception
 *     that escapes a kernel path reaches the ioctl that entered the kernel and becomes an oops
 *     ({@link org.mmulab.kernel.linux.Oops}).</li>
 * <li><b>Locks</b> are the kernel's shapes ({@code spinlock_t} is a ticket lock, {@code mutex}
 *     has an owner); {@code lockdep_assert_held} and {@code might_sleep} do nothing until the
 *     lockdep agent weaves them, as with {@code CONFIG_LOCKDEP=n}.</li>
 * <li><b>Java helpers</b> that are not kernel types ({@code LongPtr}, {@code Oops},
 *     {@code VmDeadException}) have Java names and no {@code @KernelSource}.</li>
 * </ul>
 *
 * <h2>When a {@code note=} is required</h2>
 * Whenever the Java does not do everything the cited lines do: a branch or member left out
 * ("only the EPT branch"), a model standing in for hardware or the host ("identity host
 * mapping"), a different way to return a value, or behaviour taken from another kernel
 * version (the oops boundary's {@code vm_dead}). Without a note the Java claims to do what the
 * cited C does, line for line.
 */
package org.mmulab.kernel;
