package io.litestream4j.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores a database from a replica the way {@code litestream restore} does: pick the generation and
 * snapshot, download WAL indexes in parallel, apply them in order with SQLite's own WAL recovery, then
 * check integrity and rename atomically. Stricter than Litestream: segment offsets must be contiguous
 * and every frame of a downloaded index must be valid, or the restore fails naming the object.
 */
public final class Restorer {

	private static final Logger log = LoggerFactory.getLogger(Restorer.class);

	private final ReplicaClient client;

	public Restorer(ReplicaClient client) {
		this.client = client;
	}

	/** What a restore will apply: a snapshot and, per WAL index, its segments in order. */
	public record Plan(String generation, SnapshotInfo snapshot, Map<Long, List<WalSegmentInfo>> segmentsByIndex) {

		public long lastIndex() {
			return segmentsByIndex.isEmpty() ? snapshot.index()
					: segmentsByIndex.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
		}

	}

	/** The generations of the replica with their time bounds, newest update first. */
	public List<GenerationInfo> generations() {
		try {
			List<GenerationInfo> infos = new ArrayList<>();
			for (String generation : client.generations()) {
				List<SnapshotInfo> snapshots = client.snapshots(generation);
				List<WalSegmentInfo> segments = client.walSegments(generation);
				Instant created = null;
				Instant updated = null;
				for (Instant at : timestamps(snapshots, segments)) {
					created = created == null || at.isBefore(created) ? at : created;
					updated = updated == null || at.isAfter(updated) ? at : updated;
				}
				if (created != null) {
					infos.add(new GenerationInfo(generation, created, updated, snapshots.size(), segments.size()));
				}
			}
			infos.sort(Comparator.comparing(GenerationInfo::updatedAt).reversed());
			return infos;
		}
		catch (IOException ex) {
			throw new ReplicationException("cannot list generations of " + client.describe() + ": " + ex.getMessage(), ex);
		}
	}

	/** Chooses generation, snapshot and WAL range; throws {@link NoBackupFoundException} when none fits. */
	public Plan plan(RestoreOptions options) {
		try {
			GenerationInfo chosen = null;
			for (GenerationInfo info : generations()) {
				if (options.generation() != null && !options.generation().equals(info.generation())) {
					continue;
				}
				Instant t = options.timestamp();
				if (t != null && (t.isBefore(info.createdAt()) || t.isAfter(info.updatedAt()))) {
					continue;
				}
				if (chosen == null || info.updatedAt().isAfter(chosen.updatedAt())) {
					chosen = info;
				}
			}
			if (chosen == null) {
				throw new NoBackupFoundException("no matching backups found in " + client.describe()
						+ describeFilter(options));
			}
			String generation = chosen.generation();
			SnapshotInfo snapshot = chooseSnapshot(client.snapshots(generation), options);
			Map<Long, List<WalSegmentInfo>> byIndex = new LinkedHashMap<>();
			for (WalSegmentInfo segment : client.walSegments(generation)) {
				if (segment.index() < snapshot.index()) {
					continue;
				}
				if ((options.timestamp() != null && segment.createdAt().isAfter(options.timestamp()))
						|| (options.index() != null && segment.index() > options.index())) {
					break;
				}
				byIndex.computeIfAbsent(segment.index(), i -> new ArrayList<>()).add(segment);
			}
			long expected = snapshot.index();
			for (Map.Entry<Long, List<WalSegmentInfo>> entry : byIndex.entrySet()) {
				if (entry.getKey() != expected) {
					throw new ReplicationException("missing WAL index " + generation + "/" + Generations.hex8(expected)
							+ " in " + client.describe());
				}
				if (entry.getValue().get(0).offset() != 0) {
					throw new ReplicationException("missing initial wal segment " + generation + "/"
							+ Generations.hex8(expected) + " offset 0 in " + client.describe());
				}
				expected++;
			}
			return new Plan(generation, snapshot, byIndex);
		}
		catch (IOException ex) {
			throw new ReplicationException("cannot plan restore from " + client.describe() + ": " + ex.getMessage(), ex);
		}
	}

	private SnapshotInfo chooseSnapshot(List<SnapshotInfo> snapshots, RestoreOptions options) {
		Optional<SnapshotInfo> chosen;
		if (options.index() != null) {
			chosen = snapshots.stream().filter(s -> s.index() <= options.index()).max(Comparator.comparingLong(SnapshotInfo::index));
		}
		else {
			chosen = snapshots.stream()
				.filter(s -> options.timestamp() == null || !s.createdAt().isAfter(options.timestamp()))
				.max(Comparator.comparing(SnapshotInfo::createdAt).thenComparingLong(SnapshotInfo::index));
		}
		return chosen.orElseThrow(() -> new NoBackupFoundException("no snapshots available in " + client.describe()
				+ describeFilter(options)));
	}

	/** Restores as the options say; see {@link RestoreResult#wasSkipped()} for the if-exists cases. */
	public RestoreResult restore(RestoreOptions options) {
		long started = System.nanoTime();
		Path output = options.outputPath().toAbsolutePath().normalize();
		if (Files.exists(output)) {
			if (options.ifDbNotExists()) {
				log.info("database already exists, skipping: {}", output);
				return RestoreResult.skipped(output, "database already exists");
			}
			if (!options.overwrite()) {
				throw new RestoreTargetExistsException("cannot restore, output path already exists: " + output);
			}
		}
		Plan plan;
		try {
			plan = plan(options);
		}
		catch (NoBackupFoundException ex) {
			if (options.ifReplicaExists()) {
				log.info("no matching backups found, skipping restore of {}", output);
				return RestoreResult.skipped(output, "no matching backups found");
			}
			throw ex;
		}
		try {
			Path parent = output.getParent();
			Files.createDirectories(parent);
			Path tmp = Files.createTempFile(parent, "." + output.getFileName() + ".", ".tmp");
			try {
				restoreSnapshot(plan, tmp);
				applyWal(plan, tmp, options.parallelism());
				String integrity = integrityCheck(tmp);
				if (!"ok".equals(integrity)) {
					throw new ReplicationException("restored database failed integrity_check (" + integrity
							+ "), generation " + plan.generation() + " from " + client.describe());
				}
				// Stale -wal/-shm files beside an overwritten database would be applied to the new file.
				Files.deleteIfExists(Path.of(output + "-wal"));
				Files.deleteIfExists(Path.of(output + "-shm"));
				moveAtomically(tmp, output);
				long bytes = Files.size(output);
				Duration took = Duration.ofNanos(System.nanoTime() - started);
				log.info("restored db={} from {} generation={} index={} bytes={} elapsed={}ms", output,
						client.describe(), plan.generation(), Generations.hex8(plan.lastIndex()), bytes, took.toMillis());
				return new RestoreResult(output, plan.generation(), plan.lastIndex(), bytes, took, integrity, null);
			}
			finally {
				deleteRestoreFiles(tmp);
			}
		}
		catch (IOException ex) {
			throw new ReplicationException("restore of " + output + " from " + client.describe() + " failed: "
					+ ex.getMessage(), ex);
		}
	}

	private void restoreSnapshot(Plan plan, Path tmp) throws IOException {
		SnapshotInfo snapshot = plan.snapshot();
		String key = ReplicaLayout.snapshotKey(plan.generation(), snapshot.index());
		try (InputStream in = Lz4.decompressing(client.openSnapshot(plan.generation(), snapshot.index()));
				OutputStream out = Files.newOutputStream(tmp)) {
			in.transferTo(out);
		}
		catch (IOException ex) {
			throw new ReplicationException("cannot read snapshot " + key + " from " + client.describe() + ": "
					+ ex.getMessage(), ex);
		}
	}

	private void applyWal(Plan plan, Path tmp, int parallelism) throws IOException {
		if (plan.segmentsByIndex().isEmpty()) {
			return;
		}
		int pageSize = pageSizeOf(tmp);
		ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, plan.segmentsByIndex().size()),
				runnable -> Replica.daemon(runnable, "litestream-restore"));
		try {
			List<Future<Path>> downloads = new ArrayList<>();
			for (Map.Entry<Long, List<WalSegmentInfo>> entry : plan.segmentsByIndex().entrySet()) {
				Path walFile = Path.of(tmp + "-" + Generations.hex8(entry.getKey()) + "-wal");
				downloads.add(pool.submit(() -> {
					WalIndexDownload.download(client, entry.getValue(), walFile, pageSize);
					return walFile;
				}));
			}
			for (Future<Path> download : downloads) {
				Path walFile = await(download);
				Files.move(walFile, Path.of(tmp + "-wal"), StandardCopyOption.REPLACE_EXISTING);
				checkpointInto(tmp);
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	private static Path await(Future<Path> future) throws IOException {
		try {
			return future.get();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException("restore interrupted", ex);
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof RuntimeException re) {
				throw re;
			}
			if (ex.getCause() instanceof IOException io) {
				throw io;
			}
			throw new IOException(ex.getCause());
		}
	}

	/** Lets SQLite apply the WAL beside the file: a TRUNCATE checkpoint that must not be busy. */
	private static void checkpointInto(Path db) throws IOException {
		try (Connection connection = Sqlite.open(db, Duration.ofSeconds(5))) {
			long[] result = Sqlite.queryLongs(connection, "PRAGMA wal_checkpoint(TRUNCATE)", 3);
			if (result[0] != 0) {
				throw new ReplicationException("truncation checkpoint failed during restore (" + result[0] + ","
						+ result[1] + "," + result[2] + ")");
			}
		}
		catch (SQLException ex) {
			throw new IOException("applying wal to " + db + " failed: " + ex.getMessage(), ex);
		}
	}

	private static String integrityCheck(Path db) throws IOException {
		try (Connection connection = Sqlite.open(db, Duration.ofSeconds(5))) {
			return Sqlite.queryString(connection, "PRAGMA integrity_check");
		}
		catch (SQLException ex) {
			throw new IOException("integrity_check of " + db + " failed: " + ex.getMessage(), ex);
		}
	}

	private static int pageSizeOf(Path db) throws IOException {
		byte[] header = new byte[100];
		try (InputStream in = Files.newInputStream(db)) {
			if (in.readNBytes(header, 0, 100) < 100) {
				throw new ReplicationException("snapshot is not a SQLite database (shorter than its header)");
			}
		}
		int size = ((header[16] & 0xff) << 8) | (header[17] & 0xff);
		return size == 1 ? 65536 : size;
	}

	private static void moveAtomically(Path from, Path to) throws IOException {
		try {
			Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		}
		catch (AtomicMoveNotSupportedException ex) {
			Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
		}
	}

	private static void deleteRestoreFiles(Path tmp) throws IOException {
		Files.deleteIfExists(tmp);
		Files.deleteIfExists(Path.of(tmp + "-wal"));
		Files.deleteIfExists(Path.of(tmp + "-shm"));
		Path dir = tmp.getParent();
		String prefix = tmp.getFileName() + "-";
		try (var files = Files.list(dir)) {
			for (Path file : files.filter(f -> f.getFileName().toString().startsWith(prefix)).toList()) {
				Files.deleteIfExists(file);
			}
		}
	}

	private static List<Instant> timestamps(List<SnapshotInfo> snapshots, List<WalSegmentInfo> segments) {
		List<Instant> all = new ArrayList<>();
		snapshots.forEach(s -> all.add(s.createdAt()));
		segments.forEach(s -> all.add(s.createdAt()));
		return all;
	}

	private static String describeFilter(RestoreOptions options) {
		StringBuilder filter = new StringBuilder();
		if (options.generation() != null) {
			filter.append(" generation=").append(options.generation());
		}
		if (options.index() != null) {
			filter.append(" index=").append(Generations.hex8(options.index()));
		}
		if (options.timestamp() != null) {
			filter.append(" timestamp=").append(options.timestamp());
		}
		return filter.toString();
	}

}
