package io.litestream4j.core;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The local, durable copy of committed WAL frames, per generation and WAL index, in Litestream's shadow
 * layout: {@code generation} (the current id) and {@code generations/<gen>/wal/<index:08x>.wal}, each an
 * exact prefix of one WAL incarnation ending on a commit frame. Replicas upload from here, so frames
 * survive a WAL restart and the application's checkpoints.
 */
final class ShadowWal {

	private final Path dir;

	private volatile CachedHeader lastHeader;

	private record CachedHeader(Path file, WalHeader header) {
	}

	ShadowWal(Path dir) {
		this.dir = dir;
	}

	Path dir() {
		return dir;
	}

	void init() throws IOException {
		Files.createDirectories(dir);
		try (Stream<Path> walk = Files.walk(dir)) {
			for (Path path : walk.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()) {
				Files.deleteIfExists(path);
			}
		}
	}

	String readGeneration() throws IOException {
		try {
			String gen = Files.readString(dir.resolve("generation"), StandardCharsets.UTF_8).trim();
			return Generations.isGeneration(gen) ? gen : null;
		}
		catch (NoSuchFileException ex) {
			return null;
		}
	}

	void writeGeneration(String generation) throws IOException {
		Path tmp = dir.resolve("generation.tmp");
		try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
				StandardOpenOption.TRUNCATE_EXISTING)) {
			ch.write(java.nio.ByteBuffer.wrap((generation + "\n").getBytes(StandardCharsets.UTF_8)));
			ch.force(true);
		}
		Files.move(tmp, dir.resolve("generation"), StandardCopyOption.ATOMIC_MOVE,
				StandardCopyOption.REPLACE_EXISTING);
	}

	/** The holder id in {@code lease-holder}, created (durably, atomically) on first use. */
	String leaseHolderId() throws IOException {
		Path file = dir.resolve("lease-holder");
		try {
			String id = Files.readString(file, StandardCharsets.UTF_8).trim();
			if (!id.isEmpty()) {
				return id;
			}
		}
		catch (NoSuchFileException ex) {
			// first use
		}
		Files.createDirectories(dir);
		String id = java.util.UUID.randomUUID().toString();
		Path tmp = dir.resolve("lease-holder.tmp");
		try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
				StandardOpenOption.TRUNCATE_EXISTING)) {
			ch.write(java.nio.ByteBuffer.wrap((id + "\n").getBytes(StandardCharsets.UTF_8)));
			ch.force(true);
		}
		Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		return id;
	}

	void clearGeneration() throws IOException {
		Files.deleteIfExists(dir.resolve("generation"));
	}

	Path walDir(String generation) {
		return dir.resolve("generations").resolve(generation).resolve("wal");
	}

	Path file(String generation, long index) {
		return walDir(generation).resolve(Generations.hex8(index) + ".wal");
	}

	/** The WAL indexes held for a generation, ascending. */
	List<Long> indexes(String generation) throws IOException {
		List<Long> indexes = new ArrayList<>();
		Path walDir = walDir(generation);
		if (!Files.isDirectory(walDir)) {
			return indexes;
		}
		try (DirectoryStream<Path> files = Files.newDirectoryStream(walDir, "*.wal")) {
			for (Path file : files) {
				String name = file.getFileName().toString();
				if (name.matches("[0-9a-f]{8}\\.wal")) {
					indexes.add(Long.parseLong(name.substring(0, 8), 16));
				}
			}
		}
		indexes.sort(Comparator.naturalOrder());
		return indexes;
	}

	long size(String generation, long index) throws IOException {
		try {
			return Files.size(file(generation, index));
		}
		catch (NoSuchFileException ex) {
			return -1;
		}
	}

	/**
	 * The header of a shadow file. A shadow file's header never changes after {@link #create}, and a sync
	 * (up to every poll interval) needs it several times, so the last one read is kept.
	 */
	WalHeader header(String generation, long index) throws IOException {
		Path file = file(generation, index);
		CachedHeader cached = lastHeader;
		if (cached != null && cached.file().equals(file)) {
			return cached.header();
		}
		try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
			byte[] bytes = new byte[WalHeader.SIZE];
			if (!WalScanner.readFully(ch, bytes, 0)) {
				throw new InvalidWalException("short shadow wal " + file);
			}
			WalHeader header = WalHeader.parse(bytes);
			lastHeader = new CachedHeader(file, header);
			return header;
		}
	}

	/** Reads {@code length} bytes at {@code offset}, or null when the file is shorter. */
	byte[] read(String generation, long index, long offset, int length) throws IOException {
		try (FileChannel ch = FileChannel.open(file(generation, index), StandardOpenOption.READ)) {
			byte[] bytes = new byte[length];
			return WalScanner.readFully(ch, bytes, offset) ? bytes : null;
		}
	}

	/** Starts the shadow file of a WAL index with its header. */
	void create(String generation, long index, WalHeader header) throws IOException {
		lastHeader = null;
		Files.createDirectories(walDir(generation));
		try (FileChannel ch = FileChannel.open(file(generation, index), StandardOpenOption.CREATE,
				StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
			ch.write(java.nio.ByteBuffer.wrap(header.bytes()));
			ch.force(true);
		}
		lastHeader = new CachedHeader(file(generation, index), header);
	}

	/**
	 * Appends {@code count} bytes of the real WAL, from {@code position}, at {@code shadowEnd}. Not fsynced:
	 * the frames are still in the WAL until a checkpoint, which {@link #force}s the shadow first, so a crash
	 * can only cost a shadow tail that the WAL still holds (or, at worst, a new generation), never data.
	 */
	void append(String generation, long index, long shadowEnd, FileChannel wal, long position, long count)
			throws IOException {
		try (FileChannel ch = FileChannel.open(file(generation, index), StandardOpenOption.WRITE)) {
			ch.truncate(shadowEnd);
			try {
				long copied = 0;
				while (copied < count) {
					long n = wal.transferTo(position + copied, count - copied, ch.position(shadowEnd + copied));
					if (n <= 0) {
						throw new IOException("wal ended while copying to shadow " + file(generation, index));
					}
					copied += n;
				}
			}
			catch (IOException ex) {
				// e.g. disk full: leave the shadow exactly as it was, so the next sync continues from there
				ch.truncate(shadowEnd);
				throw new IOException("cannot append to shadow wal " + file(generation, index) + ": " + ex.getMessage(), ex);
			}
		}
	}

	/** Makes a shadow file durable, before a checkpoint lets its frames leave the WAL. */
	void force(String generation, long index) throws IOException {
		try (FileChannel ch = FileChannel.open(file(generation, index), StandardOpenOption.WRITE)) {
			ch.force(true);
		}
	}

	/** Cuts a shadow file back to {@code end}, dropping bytes that turned out not to be one incarnation. */
	void truncate(String generation, long index, long end) throws IOException {
		try (FileChannel ch = FileChannel.open(file(generation, index), StandardOpenOption.WRITE)) {
			ch.truncate(end);
			ch.force(true);
		}
	}

	void deleteOtherGenerations(String keep) throws IOException {
		lastHeader = null;
		Path generations = dir.resolve("generations");
		if (!Files.isDirectory(generations)) {
			return;
		}
		try (DirectoryStream<Path> entries = Files.newDirectoryStream(generations)) {
			for (Path entry : entries) {
				if (!entry.getFileName().toString().equals(keep)) {
					deleteTree(entry);
				}
			}
		}
	}

	/** Deletes shadow files of indexes below {@code belowIndex}. */
	void prune(String generation, long belowIndex) throws IOException {
		lastHeader = null;
		for (long index : indexes(generation)) {
			if (index < belowIndex) {
				Files.deleteIfExists(file(generation, index));
			}
		}
	}

	private static void deleteTree(Path root) throws IOException {
		try (Stream<Path> walk = Files.walk(root)) {
			for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
				Files.deleteIfExists(path);
			}
		}
	}

}
