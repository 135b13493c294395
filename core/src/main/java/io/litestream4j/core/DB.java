package io.litestream4j.core;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replicated SQLite database. Owns the replicator's connections (one holding a long-running read
 * transaction so no other process can restart the WAL behind our back, one for writes and checkpoints),
 * the shadow WAL, the current generation and position, and checkpoints. Commits are noticed by a cheap
 * poll of the WAL file's size and time, so writes from any process are seen within milliseconds.
 */
public final class DB implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(DB.class);

	private static final String SEQ_UPSERT = "INSERT INTO _litestream_seq (id, seq) VALUES (1, 1) "
			+ "ON CONFLICT (id) DO UPDATE SET seq = seq + 1";

	/** A restart truncates the WAL file to this size, so one burst does not leave a huge file behind. */
	private static final long JOURNAL_SIZE_LIMIT = 64L * 1024 * 1024;

	private static final int MAX_PENDING_CHANGES = 10_000;

	private final DbOptions options;

	private final LeaseOptions leaseOptions;

	private final Object leaseHolderLock = new Object();

	private String leaseHolderId;

	private final Path path;

	private final Path walPath;

	private final String name;

	private final ShadowWal shadow;

	private final List<Replica> replicas = new CopyOnWriteArrayList<>();

	private final List<GenerationListener> generationListeners = new CopyOnWriteArrayList<>();

	private final DbStats stats = new DbStats();

	/** Serializes sync, checkpoints and generation changes. */
	private final ReentrantLock lock = new ReentrantLock();

	/**
	 * Held while a snapshot is read. Checkpoints and new generations only try it, so a snapshot's WAL
	 * index cannot change under it and a sync never waits for a snapshot.
	 */
	private final ReentrantLock snapshotLock = new ReentrantLock();

	/** Commits noticed but not yet in every replica: (end position, when noticed), oldest first. */
	private final Deque<Change> pendingChanges = new ArrayDeque<>();

	/** Order of generations seen in this process, to compare positions across generations. */
	private final Map<String, Long> generationOrder = new ConcurrentHashMap<>();

	private Connection readConnection;

	private final List<Connection> abandonedConnections = new ArrayList<>();

	private Connection writeConnection;

	private Object fileKey;

	private volatile FileChannel dbChannel;

	/**
	 * Where the WAL ended when the current read transaction began under the write lock, so SQLite's read
	 * mark of that transaction is exactly there; null when unknown.
	 */
	private ReadMark readMark;

	private volatile String generation;

	private volatile Pos pos;

	private volatile boolean open;

	private volatile ScheduledExecutorService monitor;

	private long lastWalSize = -1;

	private long lastWalModified = -1;

	private long lastFullSyncNanos;

	/**
	 * When the poll first saw the WAL change since the last sync; null when nothing is waiting. The copy
	 * into the shadow WAL waits until a replica would upload it, so a busy database costs one sync per
	 * upload instead of one per poll, while lag still counts from here.
	 */
	private volatile Instant changeNoticedAt;

	/** Commit time recorded for frames copied by the running sync. */
	private Instant copyNoticedAt;

	private long lastCheckpointNanos = System.nanoTime();

	private Pos lastCheckpointedPos;

	private String lastLoggedError;

	private record Change(Pos end, Instant at) {
	}

	private record ReadMark(WalHeader header, long end) {
	}

	public DB(DbOptions options) {
		this(options, LeaseOptions.DISABLED);
	}

	/** A database whose replicas take the single-writer lease of their path before uploading. */
	public DB(DbOptions options, LeaseOptions leaseOptions) {
		this.options = Objects.requireNonNull(options, "options");
		this.leaseOptions = Objects.requireNonNull(leaseOptions, "leaseOptions");
		this.path = options.path().toAbsolutePath().normalize();
		this.walPath = Path.of(path + "-wal");
		this.name = path.getFileName().toString();
		this.shadow = new ShadowWal(path.resolveSibling("." + name + "-litestream4j"));
	}

	public Path path() {
		return path;
	}

	public DbOptions options() {
		return options;
	}

	public LeaseOptions leaseOptions() {
		return leaseOptions;
	}

	/**
	 * This database's lease holder id, kept in {@code .<db>-litestream4j/lease-holder} so that the same
	 * instance restarted (even after kill -9) is recognised as the holder and takes its lease back at once.
	 */
	public String leaseHolderId() {
		// Own lock, not the DB's monitor: start/stop hold that while waiting for replica threads that call this.
		synchronized (leaseHolderLock) {
			return leaseHolderIdLocked();
		}
	}

	private String leaseHolderIdLocked() {
		if (leaseHolderId == null) {
			try {
				leaseHolderId = shadow.leaseHolderId();
			}
			catch (IOException ex) {
				throw new ReplicationException("cannot read or create the lease holder id of db " + path + " in "
						+ shadow.dir() + ": " + ex.getMessage(), ex);
			}
		}
		return leaseHolderId;
	}

	public String name() {
		return name;
	}

	public DbStats stats() {
		return stats;
	}

	public List<Replica> replicas() {
		return List.copyOf(replicas);
	}

	public String generation() {
		return generation;
	}

	public Pos pos() {
		return pos;
	}

	public boolean isRunning() {
		return monitor != null;
	}

	public void addGenerationListener(GenerationListener listener) {
		generationListeners.add(listener);
	}

	public void removeGenerationListener(GenerationListener listener) {
		generationListeners.remove(listener);
	}

	private void notifyGeneration(String previous, String current, String reason) {
		for (GenerationListener listener : generationListeners) {
			try {
				listener.generationChanged(previous, current, reason);
			}
			catch (RuntimeException ex) {
				log.warn("generation listener of db {} failed: {}", path, ex.getMessage());
			}
		}
	}

	/** Adds a replica; only before {@link #open()}. */
	public Replica addReplica(ReplicaOptions replicaOptions, ReplicaClient client) {
		if (open) {
			throw new IllegalStateException("replicas must be added before db " + path + " is opened");
		}
		for (Replica existing : replicas) {
			if (existing.name().equals(replicaOptions.name())) {
				throw new IllegalArgumentException("duplicate replica name \"" + replicaOptions.name() + "\" for db " + path);
			}
		}
		Replica replica = new Replica(this, replicaOptions, client);
		replicas.add(replica);
		return replica;
	}

	/** Opens the replicator's connections and local state; starts no thread. */
	public void open() {
		lock.lock();
		try {
			if (open) {
				return;
			}
			Path parent = path.getParent();
			if (parent != null && !Files.isDirectory(parent)) {
				throw new ReplicationException("directory of db " + path + " does not exist");
			}
			shadow.init();
			openConnections();
			open = true;
		}
		catch (IOException | SQLException ex) {
			closeConnections();
			throw new ReplicationException("cannot open db " + path + ": " + ex.getMessage(), ex);
		}
		finally {
			lock.unlock();
		}
	}

	/** Starts watching the database and the replicas' upload loops. */
	public synchronized void start() {
		if (monitor != null) {
			return;
		}
		open();
		ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
				runnable -> Replica.daemon(runnable, "litestream-" + name + "-monitor"));
		for (Replica replica : replicas) {
			replica.start();
		}
		monitor = executor;
		lastFullSyncNanos = 0;
		long period = options.changePollInterval().toMillis();
		executor.scheduleWithFixedDelay(this::monitorTick, 0, Math.max(1, period), TimeUnit.MILLISECONDS);
	}

	/** Stops the threads after a final sync of the database and every replica; {@link #start()} may follow. */
	public synchronized void stop() {
		ScheduledExecutorService executor = monitor;
		if (executor == null) {
			return;
		}
		monitor = null;
		executor.shutdown();
		try {
			executor.awaitTermination(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		try {
			sync();
		}
		catch (RuntimeException ex) {
			log.warn("final sync of db {} failed: {}", path, ex.getMessage());
		}
		for (Replica replica : replicas) {
			replica.stop();
		}
	}

	@Override
	public void close() {
		stop();
		lock.lock();
		try {
			open = false;
			closeConnections();
		}
		finally {
			lock.unlock();
		}
	}

	/** Syncs the database, then has every replica upload everything; throws when a replica fails. */
	public void syncAndWait(Duration timeout) {
		sync();
		long deadline = System.nanoTime() + timeout.toNanos();
		for (Replica replica : replicas) {
			replica.syncUntilCaughtUp(deadline);
		}
	}

	/** Has every replica write a snapshot now. */
	public void snapshot() {
		for (Replica replica : replicas) {
			replica.snapshot();
		}
	}

	private void monitorTick() {
		try {
			boolean due = System.nanoTime() - lastFullSyncNanos >= options.monitorInterval().toNanos();
			if (walChanged() && changeNoticedAt == null) {
				changeNoticedAt = Instant.now();
			}
			if (due) {
				sync();
			}
			else if (changeNoticedAt != null && anyReplicaReadyToUpload()) {
				sync(false); // the upload goes first; the next full sync checkpoints
			}
			else if (changeNoticedAt != null) {
				for (Replica replica : replicas) {
					replica.notifyChange(); // its upload, once sync-interval allows, syncs first
				}
			}
		}
		catch (RuntimeException ex) {
			String message = String.valueOf(ex.getMessage());
			if (!message.equals(lastLoggedError)) {
				log.warn("sync error db={} error=\"{}\"", path, message);
				lastLoggedError = message;
			}
		}
	}

	private boolean anyReplicaReadyToUpload() {
		if (replicas.isEmpty()) {
			return true;
		}
		for (Replica replica : replicas) {
			if (replica.readyToUpload()) {
				return true;
			}
		}
		return false;
	}

	/** Copies what the poll saw change, if anything: a replica calls this right before it uploads. */
	void syncIfChanged() {
		if (changeNoticedAt != null) {
			sync(false);
		}
	}

	private boolean walChanged() {
		try {
			BasicFileAttributes attrs = Files.readAttributes(walPath, BasicFileAttributes.class);
			long size = attrs.size();
			long modified = attrs.lastModifiedTime().toMillis();
			boolean changed = size != lastWalSize || modified != lastWalModified;
			lastWalSize = size;
			lastWalModified = modified;
			return changed;
		}
		catch (IOException ex) {
			return true;
		}
	}

	/**
	 * Copies newly committed WAL frames into the shadow WAL, starting a new generation when continuity
	 * with what was copied before cannot be proven, and checkpoints when the WAL has grown enough.
	 */
	public void sync() {
		sync(true);
	}

	/**
	 * {@code checkpointing} false: copy only, for a replica about to upload, which should not wait for a
	 * checkpoint; the monitor's next full sync decides on one.
	 */
	private void sync(boolean checkpointing) {
		long started = System.nanoTime();
		lock.lock();
		try {
			copyNoticedAt = changeNoticedAt;
			changeNoticedAt = null;
			if (!open) {
				open();
			}
			String reason = null;
			if (databaseReplaced()) {
				reason = "database file replaced";
				reopenConnections();
			}
			ensureWalExists();
			if (reason == null) {
				reason = verify();
			}
			Pos before = pos;
			if (reason != null && !createGeneration(reason)) {
				return;
			}
			long walSizeBefore = Files.size(walPath);
			copyToShadow();
			if (checkpointing) {
				maybeCheckpoint(walSizeBefore);
				lastFullSyncNanos = System.nanoTime();
			}
			updateGauges(walSizeBefore);
			stats.syncCount.incrementAndGet();
			stats.lastSyncAt = Instant.now();
			stats.lastSyncError = null;
			lastLoggedError = null;
			if (!Objects.equals(before, pos)) {
				pruneShadow();
				for (Replica replica : replicas) {
					replica.notifyChange();
				}
			}
		}
		catch (IOException | SQLException | RuntimeException ex) {
			stats.syncErrorCount.incrementAndGet();
			stats.lastSyncError = ex.getMessage();
			if (ex instanceof ReplicationException re) {
				throw re;
			}
			throw new ReplicationException("sync of db " + path + " failed: " + ex.getMessage(), ex);
		}
		finally {
			copyNoticedAt = null;
			stats.syncNanos.addAndGet(System.nanoTime() - started);
			lock.unlock();
		}
	}

	// --- connections -------------------------------------------------------------------------

	private void openConnections() throws SQLException, IOException {
		writeConnection = Sqlite.open(path, options.busyTimeout());
		String mode = Sqlite.queryString(writeConnection, "PRAGMA journal_mode = wal");
		if (!"wal".equalsIgnoreCase(mode)) {
			throw new ReplicationException("db " + path + " could not be switched to WAL mode (journal_mode=" + mode + ")");
		}
		Sqlite.exec(writeConnection, "PRAGMA wal_autocheckpoint = 0");
		Sqlite.exec(writeConnection, "PRAGMA journal_size_limit = " + JOURNAL_SIZE_LIMIT);
		Sqlite.exec(writeConnection, "CREATE TABLE IF NOT EXISTS _litestream_seq (id INTEGER PRIMARY KEY, seq INTEGER)");
		Sqlite.exec(writeConnection, "CREATE TABLE IF NOT EXISTS _litestream_lock (id INTEGER)");
		readConnection = Sqlite.open(path, options.busyTimeout());
		Sqlite.exec(readConnection, "PRAGMA wal_autocheckpoint = 0");
		beginReadTransactionAtKnownMark();
		fileKey = DatabaseFileHandles.fileKey(path);
		dbChannel = DatabaseFileHandles.channel(path);
	}

	private void closeConnections() {
		if (readConnection != null) {
			try {
				Sqlite.exec(readConnection, "ROLLBACK");
			}
			catch (SQLException ignored) {
				// no transaction open
			}
		}
		Sqlite.closeQuietly(readConnection);
		Sqlite.closeQuietly(writeConnection);
		readConnection = null;
		writeConnection = null;
	}

	/**
	 * After the database file was replaced, the old connections are abandoned, not closed: as last closer
	 * of the old file, SQLite would checkpoint and then delete {@code <db>-wal} and {@code -shm} by name,
	 * which now belong to the new database.
	 */
	private void reopenConnections() throws SQLException, IOException {
		try {
			endReadTransaction();
		}
		catch (SQLException ignored) {
			// the old file's transaction is irrelevant now
		}
		abandonedConnections.add(readConnection);
		abandonedConnections.add(writeConnection);
		readConnection = null;
		writeConnection = null;
		openConnections();
	}

	private boolean databaseReplaced() throws IOException {
		try {
			return !DatabaseFileHandles.fileKey(path).equals(fileKey);
		}
		catch (NoSuchFileException ex) {
			throw new ReplicationException("db " + path + " no longer exists");
		}
	}

	private void beginReadTransaction() throws SQLException {
		readMark = null;
		Sqlite.exec(readConnection, "BEGIN");
		Sqlite.queryLongs(readConnection, "SELECT COUNT(1) FROM _litestream_seq", 1);
	}

	/**
	 * Takes the read transaction while holding the write lock, so the WAL's end at that moment is its read
	 * mark. When the lock is busy, the transaction is taken without a known mark.
	 */
	private void beginReadTransactionAtKnownMark() throws SQLException, IOException {
		try {
			Sqlite.exec(writeConnection, "BEGIN IMMEDIATE");
		}
		catch (SQLException busy) {
			beginReadTransaction();
			return;
		}
		try {
			beginReadTransaction();
			try (FileChannel wal = FileChannel.open(walPath, StandardOpenOption.READ)) {
				WalHeader header = readHeader(wal);
				if (header != null) {
					readMark = new ReadMark(header, WalScanner.scan(wal, header, WalHeader.SIZE, header.checksum()).committedEnd());
				}
			}
			catch (NoSuchFileException ex) {
				// no WAL yet: nothing can be restarted
			}
		}
		finally {
			Sqlite.exec(writeConnection, "ROLLBACK");
		}
	}

	/** Under the write lock, with every committed frame copied: the new read mark is the shadow's end. */
	private void beginReadTransactionAtShadowEnd() throws SQLException, IOException {
		beginReadTransaction();
		readMark = new ReadMark(shadow.header(generation, pos.index()), pos.offset());
	}

	private void endReadTransaction() throws SQLException {
		Sqlite.exec(readConnection, "ROLLBACK");
	}

	/** A WAL header must exist to copy from; a write makes SQLite create one. */
	private void ensureWalExists() throws IOException, SQLException {
		if (!Files.exists(walPath) || Files.size(walPath) < WalHeader.SIZE) {
			Sqlite.exec(writeConnection, SEQ_UPSERT);
		}
	}

	// --- continuity and generations ----------------------------------------------------------

	/** Why the shadow WAL no longer continues the real WAL, or null when it does (Litestream's verify). */
	private String verify() throws IOException {
		String gen = shadow.readGeneration();
		if (gen == null) {
			return "no generation exists";
		}
		List<Long> indexes = shadow.indexes(gen);
		if (indexes.isEmpty()) {
			return "no shadow wal";
		}
		long index = indexes.get(indexes.size() - 1);
		if (index >= 0x7FFFFFFFL) {
			return "max index exceeded";
		}
		long shadowSize = shadow.size(gen, index);
		if (shadowSize < WalHeader.SIZE) {
			return "short shadow wal";
		}
		WalHeader shadowHeader;
		try {
			shadowHeader = shadow.header(gen, index);
		}
		catch (InvalidWalException ex) {
			return "invalid shadow wal header";
		}
		long shadowEnd = shadowHeader.alignToFrame(shadowSize);
		if (shadowEnd > 0x7FFFFFFFL * 2) {
			return "max offset exceeded";
		}
		try (FileChannel wal = FileChannel.open(walPath, StandardOpenOption.READ)) {
			WalHeader walHeader = readHeader(wal);
			if (walHeader == null) {
				return "wal header missing or invalid";
			}
			String reason = null;
			if (!shadowHeader.sameAs(walHeader)) {
				reason = shadowEnd == WalHeader.SIZE ? "wal header only, mismatched" : "wal header mismatch";
			}
			else if (shadowEnd > walHeader.alignToFrame(wal.size())) {
				reason = "wal truncated by another process";
			}
			else if (shadowEnd > WalHeader.SIZE && !lastFrameMatches(wal, gen, index, shadowHeader, shadowEnd)) {
				reason = "wal overwritten by another process";
			}
			if (reason != null) {
				// A restart writes the new header before any frame, so a header read again after seeing
				// changed frames tells a restart (maybe provably harmless) from real interference.
				WalHeader current = readHeader(wal);
				if (current == null || shadowHeader.sameAs(current)
						|| !restartLostNothing(shadowHeader, shadowEnd, current)) {
					return reason;
				}
				index++;
				shadowEnd = WalHeader.SIZE;
				shadow.create(gen, index, current);
			}
		}
		String previous = generation;
		generation = gen;
		pos = new Pos(gen, index, shadowEnd);
		if (!gen.equals(previous)) {
			log.info("continuing generation db={} generation={} position={}", path, gen, pos);
			generationOrder.putIfAbsent(gen, (long) generationOrder.size());
			notifyGeneration(previous, gen, null);
		}
		return null;
	}

	private boolean lastFrameMatches(FileChannel wal, String gen, long index, WalHeader header, long shadowEnd)
			throws IOException {
		int frameSize = header.frameSize();
		byte[] inShadow = shadow.read(gen, index, shadowEnd - frameSize, frameSize);
		byte[] inWal = new byte[frameSize];
		return inShadow != null && WalScanner.readFully(wal, inWal, shadowEnd - frameSize)
				&& Arrays.equals(inShadow, inWal);
	}

	/**
	 * Starts a new generation from the current WAL. Returns false, leaving it to the next sync, while a
	 * snapshot is being read.
	 */
	private boolean createGeneration(String reason) throws IOException, SQLException {
		if (!snapshotLock.tryLock()) {
			return false;
		}
		try {
			ensureWalExists();
			WalHeader header;
			try (FileChannel wal = FileChannel.open(walPath, StandardOpenOption.READ)) {
				header = readHeader(wal);
			}
			if (header == null) {
				throw new ReplicationException("db " + path + ": cannot start a generation, wal header invalid");
			}
			String previous = generation;
			String gen = Generations.newGeneration();
			shadow.create(gen, 0, header);
			generationOrder.put(gen, (long) generationOrder.size());
			generation = gen;
			pos = new Pos(gen, 0, WalHeader.SIZE);
			copyToShadow();
			shadow.writeGeneration(gen);
			shadow.deleteOtherGenerations(gen);
			recordChange(new Pos(gen, 0, 0));
			stats.generationChanges.incrementAndGet();
			stats.lastGenerationChangeReason = reason;
			log.info("sync: new generation db={} generation={} previous={} reason=\"{}\"", path, gen, previous, reason);
			notifyGeneration(previous, gen, reason);
			return true;
		}
		finally {
			snapshotLock.unlock();
		}
	}

	/** Appends the WAL's newly committed frames of the current index to its shadow file. */
	private void copyToShadow() throws IOException {
		String gen = generation;
		long index = pos.index();
		WalHeader header = shadow.header(gen, index);
		long shadowEnd = header.alignToFrame(shadow.size(gen, index));
		WalChecksum start = header.checksum();
		if (shadowEnd > WalHeader.SIZE) {
			byte[] last = shadow.read(gen, index, shadowEnd - header.frameSize(), WalFrame.HEADER_SIZE);
			WalFrame frame = WalFrame.parse(last);
			start = new WalChecksum(frame.checksum1(), frame.checksum2());
		}
		try (FileChannel wal = FileChannel.open(walPath, StandardOpenOption.READ)) {
			WalHeader walHeader = readHeader(wal);
			if (!header.sameAs(walHeader)) {
				return; // restarted: the next verify decides between a new index and a new generation
			}
			WalScanner.Result scan = WalScanner.scan(wal, header, shadowEnd, start);
			if (scan.committedEnd() > shadowEnd) {
				shadow.append(gen, index, shadowEnd, wal, shadowEnd, scan.committedEnd() - shadowEnd);
				// Committed frames of one incarnation never change; an unchanged header after the copy proves
				// no restart overwrote what was just copied.
				if (!header.sameAs(readHeader(wal))) {
					shadow.truncate(gen, index, shadowEnd);
					return;
				}
				stats.totalWalBytes.addAndGet(scan.committedEnd() - shadowEnd);
				pos = new Pos(gen, index, scan.committedEnd());
				recordChange(pos);
			}
			else {
				pos = new Pos(gen, index, shadowEnd);
			}
		}
	}

	private static WalHeader readHeader(FileChannel wal) throws IOException {
		byte[] bytes = new byte[WalHeader.SIZE];
		if (!WalScanner.readFully(wal, bytes, 0)) {
			return null;
		}
		try {
			return WalHeader.parse(bytes);
		}
		catch (InvalidWalException ex) {
			return null;
		}
	}

	// --- checkpoints ----------------------------------------------------------------------------

	private void maybeCheckpoint(long walSizeBefore) throws IOException, SQLException {
		if (pos.equals(lastCheckpointedPos)) {
			return; // nothing new since the last checkpoint: an idle database is left alone
		}
		WalHeader header = shadow.header(generation, pos.index());
		long frames = (pos.offset() - WalHeader.SIZE) / header.frameSize();
		boolean interval = !options.checkpointInterval().isZero() && frames > 1
				&& System.nanoTime() - lastCheckpointNanos >= options.checkpointInterval().toNanos();
		if (frames >= options.minCheckpointPageCount() || interval
				|| walSizeBefore >= header.sizeOf(options.truncatePageCount())) {
			checkpoint();
		}
	}

	/**
	 * Checkpoints without ever letting frames escape the shadow WAL (see {@link #backfillUnderWriteLock}). No
	 * write of our own follows: a checkpoint of an idle database stays local and costs no upload.
	 */
	private void checkpoint() throws IOException, SQLException {
		if (!snapshotLock.tryLock()) {
			return;
		}
		try {
			backfillUnderWriteLock(CheckpointMode.PASSIVE, 0);
		}
		finally {
			snapshotLock.unlock();
		}
	}

	/**
	 * Runs a checkpoint the application asked for (its own {@code PRAGMA wal_checkpoint}, routed here by
	 * {@link CheckpointRouting}) the way the replicator does its own: every committed frame is copied to the
	 * shadow WAL first, under the write lock. Writers wait only for that copy and the backfill, never for our
	 * read transaction (which an application's own TRUNCATE would wait for until its busy timeout). RESTART
	 * and TRUNCATE then restart the WAL with a write of ours, the read mark proving the old WAL ended where
	 * the shadow ends, so the generation continues; TRUNCATE also shrinks the WAL file to that one write and
	 * backfills it. Answers like SQLite: busy when the write lock or an older reader outlasted {@code timeout}
	 * (the application connection's busy timeout).
	 */
	public CheckpointResult checkpoint(CheckpointMode mode, Duration timeout) {
		Objects.requireNonNull(mode, "mode");
		long deadline = System.nanoTime() + timeout.toNanos();
		try {
			// Lock order as in snapshotTo: snapshot lock, then the sync lock.
			if (!snapshotLock.tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				return CheckpointResult.BUSY;
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return CheckpointResult.BUSY;
		}
		try {
			sync();
			lock.lock();
			try {
				long[] result = backfillUnderWriteLock(mode, deadline);
				if (result == null) {
					return CheckpointResult.BUSY;
				}
				boolean busy = mode.waitsForReaders() && result[1] != result[2];
				if (busy || !mode.restartsWal()) {
					return new CheckpointResult(busy, result[1], result[2]);
				}
				restartWal(mode == CheckpointMode.TRUNCATE, deadline);
				verifyAndCopy();
				if (mode == CheckpointMode.TRUNCATE) {
					result = backfillUnderWriteLock(CheckpointMode.FULL, deadline);
					return (result == null) ? CheckpointResult.BUSY : new CheckpointResult(false, 0, 0);
				}
				return new CheckpointResult(false, result[1], result[2]);
			}
			finally {
				lock.unlock();
			}
		}
		catch (IOException | SQLException ex) {
			throw new ReplicationException("checkpoint(" + mode + ") of db " + path + " failed: " + ex.getMessage(), ex);
		}
		finally {
			snapshotLock.unlock();
		}
	}

	/**
	 * Under the database's write lock (BEGIN IMMEDIATE, so no one can commit) every committed frame is copied,
	 * a PASSIVE checkpoint runs from the other connection (again until everything is backfilled or the
	 * deadline passes, when the mode waits for readers) and the long-running read transaction is taken again,
	 * so its read mark is exactly the shadow's end. The next write after a full backfill restarts the WAL,
	 * and the read mark proves the old incarnation ended where the shadow ends (see verify). Answers SQLite's
	 * (busy, log, checkpointed), or null when the write lock was busy.
	 */
	private long[] backfillUnderWriteLock(CheckpointMode mode, long deadline) throws IOException, SQLException {
		long started = System.nanoTime();
		try {
			if (!backfillUpToShadow(deadline)) {
				return null;
			}
			if (!beginImmediate(deadline)) {
				return null;
			}
			long[] result;
			try {
				copyToShadow();
				shadow.force(generation, pos.index());
				endReadTransaction();
				try {
					result = Sqlite.queryLongs(readConnection, "PRAGMA wal_checkpoint(PASSIVE)", 3);
					while (mode.waitsForReaders() && result[1] != result[2] && System.nanoTime() < deadline) {
						Thread.sleep(1);
						result = Sqlite.queryLongs(readConnection, "PRAGMA wal_checkpoint(PASSIVE)", 3);
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new SQLException("interrupted while waiting for readers", ex);
				}
				finally {
					beginReadTransactionAtShadowEnd();
				}
			}
			finally {
				Sqlite.exec(writeConnection, "ROLLBACK");
			}
			log.debug("checkpoint db={} mode={} result={},{},{}", path, mode, result[0], result[1], result[2]);
			lastCheckpointNanos = System.nanoTime();
			lastCheckpointedPos = pos;
			stats.checkpointCount.incrementAndGet();
			verifyAndCopy();
			return result;
		}
		catch (SQLException | IOException | RuntimeException ex) {
			stats.checkpointErrorCount.incrementAndGet();
			throw ex;
		}
		finally {
			stats.checkpointNanos.addAndGet(System.nanoTime() - started);
		}
	}

	/**
	 * Backfills what the shadow WAL already holds while writers go on: the read transaction is moved to the
	 * shadow's end under the write lock (a moment), and SQLite never backfills past a reader's mark. The
	 * checkpoint that follows under the write lock then only has the frames committed meanwhile to move, so
	 * writers wait for that remainder instead of the whole backfill.
	 */
	private boolean backfillUpToShadow(long deadline) throws IOException, SQLException {
		if (!beginImmediate(deadline)) {
			return false;
		}
		try {
			copyToShadow();
			endReadTransaction();
			beginReadTransactionAtShadowEnd();
		}
		finally {
			Sqlite.exec(writeConnection, "ROLLBACK");
		}
		Sqlite.queryLongs(writeConnection, "PRAGMA wal_checkpoint(PASSIVE)", 3);
		return true;
	}

	/**
	 * Takes the write lock, trying again until {@code deadline}: SQLite's busy handler backs off to 100 ms
	 * sleeps, and busy writers can take the lock in between every time.
	 */
	private boolean beginImmediate(long deadline) throws SQLException {
		while (true) {
			try {
				Sqlite.exec(writeConnection, "BEGIN IMMEDIATE");
				return true;
			}
			catch (SQLException busy) {
				if (System.nanoTime() >= deadline) {
					log.debug("checkpoint skipped, db {} busy: {}", path, busy.getMessage());
					return false;
				}
			}
		}
	}

	private void verifyAndCopy() throws IOException, SQLException {
		String reason = verify();
		if (reason != null) {
			createGeneration(reason);
		}
		copyToShadow();
	}

	/**
	 * Restarts the fully backfilled WAL now with a write of ours instead of on the application's next write;
	 * with {@code shrink} SQLite cuts the file to what this write needs. Nothing happens when a reader of an
	 * older snapshot still holds the WAL or someone else restarted it first.
	 */
	private void restartWal(boolean shrink, long deadline) throws SQLException, IOException {
		if (shrink) {
			Sqlite.exec(writeConnection, "PRAGMA journal_size_limit = 0");
		}
		try {
			if (!beginImmediate(deadline)) {
				return;
			}
			boolean committed = false;
			try {
				WalHeader current;
				try (FileChannel wal = FileChannel.open(walPath, StandardOpenOption.READ)) {
					current = readHeader(wal);
				}
				if (current != null && current.sameAs(shadow.header(generation, pos.index()))) {
					Sqlite.exec(writeConnection, SEQ_UPSERT);
				}
				Sqlite.exec(writeConnection, "COMMIT");
				committed = true;
			}
			finally {
				if (!committed) {
					Sqlite.exec(writeConnection, "ROLLBACK");
				}
			}
		}
		finally {
			if (shrink) {
				Sqlite.exec(writeConnection, "PRAGMA journal_size_limit = " + JOURNAL_SIZE_LIMIT);
			}
		}
	}

	/**
	 * Whether a WAL restart provably lost no frame: the read transaction has been held since its mark was
	 * the shadow's end, so no frame past that mark could be backfilled, and a restart needs a full backfill;
	 * the new header must be exactly one restart later (salt-1 counts restarts in the shared wal-index;
	 * the checkpoint sequence is per connection and proves nothing).
	 */
	private boolean restartLostNothing(WalHeader old, long shadowEnd, WalHeader current) {
		ReadMark mark = readMark;
		return mark != null && mark.header().sameAs(old) && mark.end() == shadowEnd
				&& current.salt1() == old.salt1() + 1 && current.pageSize() == old.pageSize();
	}

	// --- snapshots --------------------------------------------------------------------------------

	/** Where a snapshot belongs: its generation and the WAL index replayed on top of it. */
	public record SnapshotPosition(String generation, long index) {
	}

	/**
	 * Writes the database file's bytes to {@code out} for a snapshot. Every committed frame is copied
	 * to the shadow WAL first and checkpoints are held off while reading, so each page read is older
	 * than, or also in, the returned WAL index, which restore replays in full.
	 */
	SnapshotPosition snapshotTo(OutputStream out) throws IOException {
		snapshotLock.lock();
		try {
			sync();
			SnapshotPosition at = new SnapshotPosition(generation, pos.index());
			FileChannel channel = dbChannel;
			long size = channel.size();
			ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
			long position = 0;
			while (position < size) {
				buffer.clear();
				int n = channel.read(buffer, position);
				if (n < 0) {
					break;
				}
				out.write(buffer.array(), 0, n);
				position += n;
			}
			return at;
		}
		finally {
			snapshotLock.unlock();
		}
	}

	// --- replica support ----------------------------------------------------------------------

	ShadowWal shadow() {
		return shadow;
	}

	/** Time since the oldest commit not yet covered by {@code replicated}; zero when caught up. */
	Duration lagOf(Pos replicated) {
		synchronized (pendingChanges) {
			for (Change change : pendingChanges) {
				if (!covers(replicated, change.end())) {
					return Duration.between(change.at(), Instant.now());
				}
			}
		}
		return Duration.ZERO;
	}

	private boolean covers(Pos replicated, Pos end) {
		if (replicated == null) {
			return false;
		}
		long replicatedOrder = generationOrder.getOrDefault(replicated.generation(), -1L);
		long endOrder = generationOrder.getOrDefault(end.generation(), -1L);
		if (replicatedOrder != endOrder) {
			return replicatedOrder > endOrder;
		}
		return replicated.compareTo(end) >= 0;
	}

	private void recordChange(Pos end) {
		synchronized (pendingChanges) {
			if (pendingChanges.size() < MAX_PENDING_CHANGES) {
				Instant noticed = copyNoticedAt;
				pendingChanges.addLast(new Change(end, (noticed != null) ? noticed : Instant.now()));
			}
		}
	}

	/** Drops what every replica has and shadow files no replica needs (keeping one extra index). */
	private void pruneShadow() throws IOException {
		long lowest = Long.MAX_VALUE;
		for (Replica replica : replicas) {
			Pos replicated = replica.pos();
			lowest = Math.min(lowest,
					replicated != null && replicated.generation().equals(generation) ? replicated.index() : 0);
		}
		synchronized (pendingChanges) {
			while (!pendingChanges.isEmpty()) {
				Pos end = pendingChanges.peekFirst().end();
				boolean everywhere = !replicas.isEmpty();
				for (Replica replica : replicas) {
					everywhere &= covers(replica.pos(), end);
				}
				if (!everywhere) {
					break;
				}
				pendingChanges.removeFirst();
			}
		}
		if (lowest != Long.MAX_VALUE && lowest > 1) {
			shadow.prune(generation, lowest - 1);
		}
	}

	void afterReplicaProgress() {
		if (lock.tryLock()) {
			try {
				if (generation != null) {
					pruneShadow();
				}
			}
			catch (IOException ex) {
				log.debug("pruning shadow wal of db {} failed: {}", path, ex.getMessage());
			}
			finally {
				lock.unlock();
			}
		}
	}

	private void updateGauges(long walSize) throws IOException {
		stats.walSize.set(walSize);
		stats.dbSize.set(Files.size(path));
		stats.shadowWalIndex.set(pos.index());
		stats.shadowWalSize.set(pos.offset());
	}

	@Override
	public String toString() {
		return "DB[" + path + "]";
	}

}
