package io.litestream4j.core.file;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

import io.litestream4j.core.Generations;
import io.litestream4j.core.Lease;
import io.litestream4j.core.OperationCounters;
import io.litestream4j.core.Payload;
import io.litestream4j.core.Pos;
import io.litestream4j.core.ReplicaClient;
import io.litestream4j.core.ReplicaLayout;
import io.litestream4j.core.ReplicaOperation;
import io.litestream4j.core.SnapshotInfo;
import io.litestream4j.core.StoredLease;
import io.litestream4j.core.WalSegmentInfo;

/**
 * A replica in a local directory, laid out exactly as Litestream's {@code file} replica. Objects are
 * written to a temporary name and renamed, so a reader never sees half an object. Timestamps are file
 * modification times, as Litestream reads them.
 */
public final class FileReplicaClient implements ReplicaClient {

	/** Serializes lease changes of all file replicas in this JVM; a file lock adds the other processes. */
	private static final Object LEASE_LOCK = new Object();

	private final Path root;

	private final OperationCounters counters = new OperationCounters();

	public FileReplicaClient(Path root) {
		this.root = root.toAbsolutePath().normalize();
	}

	public Path root() {
		return root;
	}

	@Override
	public String type() {
		return "file";
	}

	@Override
	public String describe() {
		return "file replica at " + root;
	}

	@Override
	public List<String> generations() throws IOException {
		counters.record(ReplicaOperation.LIST, 0);
		Path dir = root.resolve(ReplicaLayout.generationsDir());
		List<String> generations = new ArrayList<>();
		if (!Files.isDirectory(dir)) {
			return generations;
		}
		try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
			for (Path entry : entries) {
				String name = entry.getFileName().toString();
				if (Generations.isGeneration(name) && Files.isDirectory(entry)) {
					generations.add(name);
				}
			}
		}
		return generations;
	}

	@Override
	public List<SnapshotInfo> snapshots(String generation) throws IOException {
		counters.record(ReplicaOperation.LIST, 0);
		List<SnapshotInfo> snapshots = new ArrayList<>();
		for (Path file : list(root.resolve(ReplicaLayout.snapshotsDir(generation)))) {
			OptionalLong index = ReplicaLayout.parseSnapshotName(file.getFileName().toString());
			BasicFileAttributes attrs = attributes(file);
			if (index.isPresent() && attrs != null) {
				snapshots.add(new SnapshotInfo(generation, index.getAsLong(), attrs.size(),
						attrs.lastModifiedTime().toInstant()));
			}
		}
		snapshots.sort(Comparator.comparingLong(SnapshotInfo::index));
		return snapshots;
	}

	@Override
	public List<WalSegmentInfo> walSegments(String generation) throws IOException {
		counters.record(ReplicaOperation.LIST, 0);
		List<WalSegmentInfo> segments = new ArrayList<>();
		for (Path file : list(root.resolve(ReplicaLayout.walDir(generation)))) {
			long[] indexOffset = ReplicaLayout.parseWalSegmentName(file.getFileName().toString());
			BasicFileAttributes attrs = attributes(file);
			if (indexOffset != null && attrs != null) {
				segments.add(new WalSegmentInfo(generation, indexOffset[0], indexOffset[1], attrs.size(),
						attrs.lastModifiedTime().toInstant()));
			}
		}
		segments.sort(Comparator.comparingLong(WalSegmentInfo::index).thenComparingLong(WalSegmentInfo::offset));
		return segments;
	}

	@Override
	public void writeSnapshot(String generation, long index, Payload compressed) throws IOException {
		write(root.resolve(ReplicaLayout.snapshotKey(generation, index)), compressed);
	}

	@Override
	public InputStream openSnapshot(String generation, long index) throws IOException {
		return read(root.resolve(ReplicaLayout.snapshotKey(generation, index)));
	}

	@Override
	public void writeWalSegment(Pos pos, Payload compressed) throws IOException {
		write(root.resolve(ReplicaLayout.walSegmentKey(pos)), compressed);
	}

	@Override
	public InputStream openWalSegment(Pos pos) throws IOException {
		return read(root.resolve(ReplicaLayout.walSegmentKey(pos)));
	}

	@Override
	public void deleteSnapshot(String generation, long index) throws IOException {
		counters.record(ReplicaOperation.DELETE, 0);
		Files.deleteIfExists(root.resolve(ReplicaLayout.snapshotKey(generation, index)));
	}

	@Override
	public void deleteWalSegments(List<Pos> segments) throws IOException {
		for (Pos pos : segments) {
			counters.record(ReplicaOperation.DELETE, 0);
			Files.deleteIfExists(root.resolve(ReplicaLayout.walSegmentKey(pos)));
		}
	}

	@Override
	public void deleteGeneration(String generation) throws IOException {
		counters.record(ReplicaOperation.DELETE, 0);
		Path dir = root.resolve(ReplicaLayout.generationDir(generation));
		if (!Files.exists(dir)) {
			return;
		}
		try (Stream<Path> walk = Files.walk(dir)) {
			for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
				Files.deleteIfExists(path);
			}
		}
	}

	@Override
	public OperationCounters counters() {
		return counters;
	}

	@Override
	public boolean supportsLease() {
		return true;
	}

	@Override
	public StoredLease readLease() throws IOException {
		counters.record(ReplicaOperation.GET, 0);
		synchronized (LEASE_LOCK) {
			try (FileChannel lock = FileChannel.open(leaseLockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
					FileLock held = lock.lock()) {
				return readLeaseLocked();
			}
		}
	}

	/**
	 * Compare-and-swap on {@code lease.json}: both the check and the write happen under an exclusive lock
	 * on {@code lease.json.lock} (processes) and a JVM-wide monitor (file locks do not exclude threads of
	 * one JVM). A new lease is created with CREATE_NEW and replaced by an atomic rename.
	 */
	@Override
	public String writeLease(Lease lease, String expectedVersion) throws IOException {
		counters.record(ReplicaOperation.PUT, 0);
		byte[] json = lease.toJson().getBytes(StandardCharsets.UTF_8);
		Path target = root.resolve(Lease.OBJECT_NAME);
		synchronized (LEASE_LOCK) {
			try (FileChannel lock = FileChannel.open(leaseLockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
					FileLock held = lock.lock()) {
				if (expectedVersion == null) {
					try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
						out.write(ByteBuffer.wrap(json));
						out.force(true);
					}
					catch (FileAlreadyExistsException ex) {
						return null;
					}
					return version(json);
				}
				StoredLease current = readLeaseLocked();
				if (current == null || !current.version().equals(expectedVersion)) {
					return null;
				}
				Path tmp = target.resolveSibling(Lease.OBJECT_NAME + ".tmp");
				try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
						StandardOpenOption.TRUNCATE_EXISTING)) {
					out.write(ByteBuffer.wrap(json));
					out.force(true);
				}
				Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
				return version(json);
			}
		}
	}

	private Path leaseLockFile() throws IOException {
		Files.createDirectories(root);
		return root.resolve(Lease.OBJECT_NAME + ".lock");
	}

	private StoredLease readLeaseLocked() throws IOException {
		Path file = root.resolve(Lease.OBJECT_NAME);
		byte[] json;
		try {
			json = Files.readAllBytes(file);
		}
		catch (NoSuchFileException ex) {
			return null;
		}
		return new StoredLease(Lease.parse(new String(json, StandardCharsets.UTF_8), file.toString()), version(json));
	}

	/** A file's version for compare-and-swap: its content hash (each write holds a new expiry). */
	private static String version(byte[] content) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content), 0, 16);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private void write(Path target, Payload payload) throws IOException {
		Files.createDirectories(target.getParent());
		Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
		try (InputStream in = payload.open(); OutputStream out = Files.newOutputStream(tmp)) {
			in.transferTo(out);
		}
		try {
			Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		}
		catch (AtomicMoveNotSupportedException ex) {
			Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
		}
		counters.record(ReplicaOperation.PUT, payload.length());
	}

	private InputStream read(Path file) throws IOException {
		InputStream in = Files.newInputStream(file);
		counters.record(ReplicaOperation.GET, Files.size(file));
		return in;
	}

	private static List<Path> list(Path dir) throws IOException {
		List<Path> files = new ArrayList<>();
		if (!Files.isDirectory(dir)) {
			return files;
		}
		try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
			entries.forEach(files::add);
		}
		return files;
	}

	private static BasicFileAttributes attributes(Path file) throws IOException {
		try {
			return Files.readAttributes(file, BasicFileAttributes.class);
		}
		catch (NoSuchFileException ex) {
			return null;
		}
	}

}
