package io.litestream4j.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores a database from a replica as {@code litestream restore} does: pick the generation and
 * snapshot, then replay the WAL indexes in order, then check integrity and rename atomically. Segments
 * are downloaded in parallel and their pages written straight into the image (see {@link WalApplier}),
 * and it is stricter than Litestream: offsets must be contiguous and every frame valid, or the restore
 * fails naming the object.
 */
public final class Restorer {

	private static final Logger log = LoggerFactory.getLogger(Restorer.class);

	/** {@link RestoreResult#integrity()} when the options asked for no check. */
	public static final String SKIPPED = "skipped";

	/** A decompressed WAL segment up to this size is kept in memory between download and apply. */
	static final int SEGMENT_MEMORY = 512 * 1024;

	private static final long CHECK_MMAP_SIZE = 1L << 30;

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
		return listing().stream().map(Listing::info).toList();
	}

	/** A generation with the object lists its bounds were computed from, so a plan lists each only once. */
	private record Listing(GenerationInfo info, List<SnapshotInfo> snapshots, List<WalSegmentInfo> segments) {
	}

	private List<Listing> listing() {
		try {
			List<Listing> listings = new ArrayList<>();
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
					listings.add(new Listing(
							new GenerationInfo(generation, created, updated, snapshots.size(), segments.size()), snapshots,
							segments));
				}
			}
			listings.sort(Comparator.comparing((Listing l) -> l.info().updatedAt()).reversed());
			return listings;
		}
		catch (IOException ex) {
			throw new ReplicationException("cannot list generations of " + client.describe() + ": " + ex.getMessage(), ex);
		}
	}

	/** Chooses generation, snapshot and WAL range; throws {@link NoBackupFoundException} when none fits. */
	public Plan plan(RestoreOptions options) {
		Listing chosen = null;
		for (Listing listing : listing()) {
			GenerationInfo info = listing.info();
			if (options.generation() != null && !options.generation().equals(info.generation())) {
				continue;
			}
			Instant t = options.timestamp();
			if (t != null && (t.isBefore(info.createdAt()) || t.isAfter(info.updatedAt()))) {
				continue;
			}
			if (chosen == null || info.updatedAt().isAfter(chosen.info().updatedAt())) {
				chosen = listing;
			}
		}
		if (chosen == null) {
			throw new NoBackupFoundException("no matching backups found in " + client.describe()
					+ describeFilter(options));
		}
		String generation = chosen.info().generation();
		SnapshotInfo snapshot = chooseSnapshot(generation, chosen.snapshots(), options);
		Map<Long, List<WalSegmentInfo>> byIndex = new LinkedHashMap<>();
		for (WalSegmentInfo segment : chosen.segments()) {
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

	private SnapshotInfo chooseSnapshot(String generation, List<SnapshotInfo> snapshots, RestoreOptions options) {
		Optional<SnapshotInfo> chosen;
		if (options.index() != null) {
			chosen = snapshots.stream().filter(s -> s.index() <= options.index()).max(Comparator.comparingLong(SnapshotInfo::index));
		}
		else {
			chosen = snapshots.stream()
				.filter(s -> options.timestamp() == null || !s.createdAt().isAfter(options.timestamp()))
				.max(Comparator.comparing(SnapshotInfo::createdAt).thenComparingLong(SnapshotInfo::index));
		}
		// Names the generation: its WAL segments exist, but without a snapshot there is nothing to apply them to.
		return chosen.orElseThrow(() -> new NoBackupFoundException("no snapshots available for generation "
				+ generation + " (none usable under " + ReplicaLayout.snapshotsDir(generation) + ") in " + client.describe()
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
				long planned = System.nanoTime();
				restoreSnapshot(plan, tmp);
				long snapshotted = System.nanoTime();
				applyWal(plan, tmp, options.parallelism());
				long applied = System.nanoTime();
				String integrity = integrityCheck(tmp, options.integrityCheck());
				if (!"ok".equals(integrity) && !SKIPPED.equals(integrity)) {
					throw new ReplicationException("restored database failed " + options.integrityCheck().pragma() + " ("
							+ integrity + "), generation " + plan.generation() + " from " + client.describe());
				}
				long checked = System.nanoTime();
				// The one sync: the renamed file must be complete on disk, nothing before that needs to be.
				try (FileChannel file = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
					file.force(true);
				}
				log.debug("restore phases: plan={}ms snapshot={}ms wal={}ms check={}ms fsync={}ms", ms(planned - started),
						ms(snapshotted - planned), ms(applied - snapshotted), ms(checked - applied),
						ms(System.nanoTime() - checked));
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
		try (InputStream in = client.openSnapshot(plan.generation(), snapshot.index());
				FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
			// Each decompressed block (1 or 4 MB) goes out in one write: a 100 MB snapshot in 8 KB writes
			// spends more time in system calls than in LZ4.
			Lz4.decompress(in, Channels.newOutputStream(out), new Lz4.Buffers());
		}
		catch (IOException ex) {
			throw new ReplicationException("cannot read snapshot " + key + " from " + client.describe() + ": "
					+ ex.getMessage(), ex);
		}
	}

	/**
	 * Downloads every segment in parallel, a bounded window ahead, each decompressed into a {@link Spool}
	 * (in memory up to {@link #SEGMENT_MEMORY}, else a temporary file), and applies them strictly in order,
	 * checking that offsets are contiguous.
	 */
	private void applyWal(Plan plan, Path tmp, int parallelism) throws IOException {
		List<WalSegmentInfo> segments = new ArrayList<>();
		plan.segmentsByIndex().values().forEach(segments::addAll);
		if (segments.isEmpty()) {
			return;
		}
		int workers = Math.max(1, parallelism);
		int window = workers * 2;
		Path spoolDir = Path.of(tmp + "-segments");
		ExecutorService pool = Executors.newFixedThreadPool(workers,
				runnable -> Replica.daemon(runnable, "litestream-restore"));
		List<Future<Spool>> downloads = new ArrayList<>();
		// Per worker thread, for as long as this restore's pool lives.
		ThreadLocal<Lz4.Buffers> buffers = ThreadLocal.withInitial(Lz4.Buffers::new);
		int applied = 0;
		try (WalApplier applier = new WalApplier(tmp, pageSizeOf(tmp))) {
			long index = -1;
			for (int i = 0; i < segments.size(); i++) {
				while (downloads.size() < Math.min(segments.size(), i + window)) {
					WalSegmentInfo segment = segments.get(downloads.size());
					downloads.add(pool.submit(() -> download(segment, spoolDir, buffers.get())));
				}
				WalSegmentInfo segment = segments.get(i);
				String key = ReplicaLayout.walSegmentKey(segment.pos());
				if (segment.index() != index) {
					index = segment.index();
					applier.startIndex();
				}
				if (segment.offset() != applier.offset()) {
					throw new ReplicationException("wal segment " + key + " in " + client.describe()
							+ " does not start where the previous one ended (expected offset " + applier.offset() + ")");
				}
				applied = i + 1;
				try (Spool spool = await(downloads.get(i)); InputStream in = spool.open()) {
					applier.apply(in);
				}
				catch (InvalidWalException ex) {
					throw new ReplicationException("corrupt wal segment " + key + " in " + client.describe() + ": "
							+ ex.getMessage(), ex);
				}
			}
		}
		finally {
			pool.shutdownNow();
			for (int i = applied; i < downloads.size(); i++) {
				Future<Spool> download = downloads.get(i);
				if (download.isDone() && !download.isCancelled()) {
					try {
						download.get().close();
					}
					catch (ExecutionException | InterruptedException ex) {
						// failed or interrupted: it holds nothing
					}
				}
			}
			awaitTermination(pool);
		}
	}

	private Spool download(WalSegmentInfo segment, Path spoolDir, Lz4.Buffers buffers) throws IOException {
		String key = ReplicaLayout.walSegmentKey(segment.pos());
		Spool spool = new Spool(spoolDir, SEGMENT_MEMORY);
		try (InputStream in = client.openWalSegment(segment.pos()); OutputStream out = spool.output()) {
			Lz4.decompress(in, out, buffers);
			return spool;
		}
		catch (IOException ex) {
			spool.close();
			throw new ReplicationException("cannot read wal segment " + key + " from " + client.describe() + ": "
					+ ex.getMessage(), ex);
		}
		catch (RuntimeException ex) {
			spool.close();
			throw ex;
		}
	}

	private static void awaitTermination(ExecutorService pool) {
		try {
			pool.awaitTermination(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static <T> T await(Future<T> future) throws IOException {
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

	private static String integrityCheck(Path db, RestoreOptions.IntegrityCheck check) throws IOException {
		if (check.pragma() == null) {
			return SKIPPED;
		}
		try (Connection connection = Sqlite.open(db, Duration.ofSeconds(5))) {
			// Reads through the mapping instead of a read() per page: several times faster on a large file.
			Sqlite.exec(connection, "PRAGMA mmap_size = " + CHECK_MMAP_SIZE);
			return Sqlite.queryString(connection, "PRAGMA " + check.pragma());
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
				if (Files.isDirectory(file)) {
					// the segments' spill directory
					try (var spilled = Files.list(file)) {
						for (Path spill : spilled.toList()) {
							Files.deleteIfExists(spill);
						}
					}
				}
				Files.deleteIfExists(file);
			}
		}
	}

	private static long ms(long nanos) {
		return nanos / 1_000_000;
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
