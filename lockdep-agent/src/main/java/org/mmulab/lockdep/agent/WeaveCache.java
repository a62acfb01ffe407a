// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.lockdep.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.Adler32;
import java.util.function.Supplier;
import java.util.zip.CRC32C;

/**
 * Woven class files kept between runs, so that a run whose hook classes were woven before hands
 * the stored bytes back without setting Byte Buddy up at all (some three hundred milliseconds and
 * nine hundred classes at the first hooked class, and tens of milliseconds per woven class).
 *
 * <p>An entry is valid only for the same agent jar, the same weave settings and the same class
 * file. Its name is derived from all three, and its content repeats them: the agent's key (the
 * jar's length and two checksums of its whole content), the settings, and the class file as
 * loaded, byte for byte, are compared on every read, and a checksum over the entry catches a
 * truncated or damaged file. Anything that does not match is a miss: the class is woven again and
 * the entry rewritten. Entries are written to a temporary file in the same directory and moved
 * into place atomically, so a JVM reading while another writes sees either the old entry or the
 * new one. A cache that cannot be read or written costs nothing but the time: every failure here
 * falls back to weaving.
 */
final class WeaveCache {
    private static final int MAGIC = 0x4d4d4c57; // "MMLW"
    private static final int VERSION = 1;

    private final Path dir;
    private final Supplier<String> agentKeySource;
    private volatile String agentKey;
    private volatile boolean keyed;

    /**
     * @param agentKeySource the agent's key ({@link #agentKey(Path)}), asked for once, at the
     *     first lookup (a run that never loads a hooked class never reads the jar); null: cache nothing
     */
    WeaveCache(Path dir, Supplier<String> agentKeySource) {
        this.dir = dir;
        this.agentKeySource = agentKeySource;
    }

    WeaveCache(Path dir, String agentKey) {
        this(dir, () -> agentKey);
    }

    /** The agent's key, or null when there is none (then every lookup misses and nothing is stored). */
    String key() {
        if (!keyed) {
            synchronized (this) {
                if (!keyed) {
                    try {
                        agentKey = agentKeySource.get();
                    } catch (RuntimeException e) {
                        agentKey = null;
                    }
                    keyed = true;
                }
            }
        }
        return agentKey;
    }

    Path dir() {
        return dir;
    }

    /**
     * The agent's key: the length of the jar and a CRC32C and an Adler-32 of its whole content
     * (both computed natively: about 2 ms for the 5 MB jar, where a SHA-256 takes 60-90 ms in a
     * JVM that has just started). Null if the agent does not run from a readable jar (its classes
     * from a directory, as in its own module's tests): then nothing is cached.
     */
    static String agentKey(Path jar) {
        if (jar == null || !Files.isRegularFile(jar)) {
            return null;
        }
        try (FileChannel ch = FileChannel.open(jar, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            CRC32C crc = new CRC32C();
            crc.update(b.duplicate());
            Adler32 adler = new Adler32();
            adler.update(b);
            return size + "-" + Long.toHexString(crc.getValue()) + "-" + Long.toHexString(adler.getValue());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The stored woven class for this class file under these settings, or null (a miss, for any reason). */
    byte[] get(String className, String settings, byte[] original) {
        try {
            if (key() == null) {
                return null;
            }
            Path f = entry(className, settings, original);
            if (!Files.isRegularFile(f)) {
                return null;
            }
            return decode(Files.readAllBytes(f), className, settings, original);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Stores a woven class; false if it could not be written (the run goes on without it). */
    boolean put(String className, String settings, byte[] original, byte[] woven) {
        Path tmp = null;
        try {
            if (key() == null) {
                return false;
            }
            Files.createDirectories(dir);
            Path f = entry(className, settings, original);
            tmp = Files.createTempFile(dir, ".tmp-", ".woven");
            Files.write(tmp, encode(className, settings, original, woven));
            try {
                Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException | RuntimeException ignored) {
                    // a leftover temporary file is never read as an entry
                }
            }
        }
    }

    /** The entry's file: the class's simple name (for a human looking) and a checksum of the three keys. */
    Path entry(String className, String settings, byte[] original) {
        CRC32C a = new CRC32C();
        a.update(bytes(String.valueOf(key())));
        a.update(0);
        a.update(bytes(settings));
        a.update(0);
        a.update(bytes(className));
        CRC32C c = new CRC32C();
        c.update(original);
        String simple = className.substring(className.lastIndexOf('/') + 1).replaceAll("[^\\w$]", "_");
        return dir.resolve(simple + "-" + hex8(a.getValue()) + hex8(c.getValue()) + "-" + original.length + ".woven");
    }

    private byte[] encode(String className, String settings, byte[] original, byte[] woven) {
        byte[][] fields = {bytes(key()), bytes(settings), bytes(className), original, woven};
        int n = 12;
        for (byte[] f : fields) {
            n += 4 + f.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n + 8);
        b.putInt(MAGIC).putInt(VERSION).putInt(fields.length);
        for (byte[] f : fields) {
            b.putInt(f.length).put(f);
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, n);
        b.putLong(crc.getValue());
        return b.array();
    }

    private byte[] decode(byte[] data, String className, String settings, byte[] original) {
        if (data.length < 20) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(data);
        CRC32C crc = new CRC32C();
        crc.update(data, 0, data.length - 8);
        if (b.getLong(data.length - 8) != crc.getValue()) {
            return null; // truncated or damaged
        }
        b.limit(data.length - 8);
        if (b.getInt() != MAGIC || b.getInt() != VERSION || b.getInt() != 5) {
            return null;
        }
        byte[][] fields = new byte[5][];
        for (int i = 0; i < fields.length; i++) {
            int len = b.getInt();
            if (len < 0 || len > b.remaining()) {
                return null;
            }
            fields[i] = new byte[len];
            b.get(fields[i]);
        }
        if (b.hasRemaining()
                || !Arrays.equals(fields[0], bytes(key()))
                || !Arrays.equals(fields[1], bytes(settings))
                || !Arrays.equals(fields[2], bytes(className))
                || !Arrays.equals(fields[3], original)
                || fields[4].length == 0) {
            return null;
        }
        return fields[4];
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String hex8(long v) {
        String h = Long.toHexString(v & 0xffffffffL);
        return "00000000".substring(h.length()) + h;
    }
}
