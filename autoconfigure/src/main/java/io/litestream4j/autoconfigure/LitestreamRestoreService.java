package io.litestream4j.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import io.litestream4j.core.Generations;
import io.litestream4j.core.NoBackupFoundException;
import io.litestream4j.core.ReplicaClient;
import io.litestream4j.core.ReplicationException;
import io.litestream4j.core.RestoreOptions;
import io.litestream4j.core.RestoreResult;
import io.litestream4j.core.RestoreTargetExistsException;
import io.litestream4j.core.Restorer;

import io.litestream4j.autoconfigure.ReplicationSettings.DbSettings;
import io.litestream4j.autoconfigure.ReplicationSettings.ReplicaSettings;

/**
 * Restores requested at run time (over the actuator endpoint): validates every input, confines the output to the
 * allowed directories and maps the engine's outcomes to problems with a status.
 */
public final class LitestreamRestoreService {

	private static final DateTimeFormatter SUFFIX = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
		.withZone(ZoneOffset.UTC);

	private final ReplicationSettings settings;

	private final LitestreamReplicaClients clients;

	private final ReplicationSettingsResolver resolver;

	private final List<Path> allowedDirs;

	private final @Nullable LitestreamReplicator replicator;

	private final @Nullable LiveRestorer liveRestorer;

	public LitestreamRestoreService(ReplicationSettings settings, LitestreamReplicaClients clients,
			ReplicationSettingsResolver resolver, List<Path> allowedDirs) {
		this(settings, clients, resolver, allowedDirs, null, null);
	}

	LitestreamRestoreService(ReplicationSettings settings, LitestreamReplicaClients clients,
			ReplicationSettingsResolver resolver, List<Path> allowedDirs, @Nullable LitestreamReplicator replicator,
			@Nullable LiveRestorer liveRestorer) {
		this.replicator = replicator;
		this.liveRestorer = liveRestorer;
		this.settings = settings;
		this.clients = clients;
		this.resolver = resolver;
		this.allowedDirs = allowedDirs.isEmpty()
				? settings.dbs().stream().map((db) -> db.path().getParent()).distinct().toList()
				: allowedDirs.stream().map((dir) -> dir.toAbsolutePath().normalize()).toList();
	}

	/**
	 * A restore request; every field optional.
	 *
	 * @param db database name (file name) or path; default: the only one
	 * @param replica replica name; default: the database's first replica
	 * @param source a replica URL to restore from instead ({@code s3://bucket/path?endpoint=...}, {@code file:///dir})
	 * @param timestamp RFC 3339 with zone
	 * @param generation 16 hex characters
	 * @param index WAL index in hex, as Litestream's {@code -index}
	 * @param outputPath where to write; default: beside the database, a new name
	 * @param overwrite whether an existing output may be replaced
	 * @param ifDbNotExists whether an existing output means: nothing to do
	 * @param ifReplicaExists whether a missing backup means: nothing to do
	 * @param live whether the application's own database is replaced in place, without a restart
	 */
	public record Request(@Nullable String db, @Nullable String replica, @Nullable String source,
			@Nullable String timestamp, @Nullable String generation, @Nullable String index,
			@Nullable String outputPath, boolean overwrite, boolean ifDbNotExists, boolean ifReplicaExists,
			boolean live) {

	}

	/** A request that cannot be served, with the HTTP status that says why. */
	public static final class RestoreProblem extends RuntimeException {

		private final int status;

		RestoreProblem(int status, String reason) {
			super(reason);
			this.status = status;
		}

		public int status() {
			return this.status;
		}

	}

	public RestoreResult restore(Request request) {
		Instant timestamp = timestamp(request.timestamp());
		Long index = index(request.index());
		if (timestamp != null && index != null) {
			throw badRequest("timestamp and index cannot be combined");
		}
		String generation = request.generation();
		if (generation != null && !Generations.isGeneration(generation)) {
			throw badRequest("generation must be 16 lowercase hex characters, was '" + generation + "'");
		}
		if (index != null && generation == null) {
			throw badRequest("index needs a generation");
		}
		if (request.source() != null && request.replica() != null) {
			throw badRequest("give either replica or source, not both");
		}
		DbSettings db = db(request.db());
		if (request.live()) {
			return live(request, db, generation, index, timestamp);
		}
		Path output = outputPath(request.outputPath(), db);
		RestoreOptions options = new RestoreOptions(output, generation, index, timestamp, request.overwrite(),
				request.ifDbNotExists(), request.ifReplicaExists(), RestoreOptions.DEFAULT_PARALLELISM);
		return restoreFrom(request, db, options);
	}

	private RestoreResult live(Request request, @Nullable DbSettings db, @Nullable String generation,
			@Nullable Long index, @Nullable Instant timestamp) {
		if (this.liveRestorer == null || this.replicator == null) {
			throw badRequest("live restore is not available in this application");
		}
		if (db == null) {
			throw badRequest("a live restore needs a replicated db");
		}
		if (request.outputPath() != null && !Path.of(request.outputPath()).toAbsolutePath().normalize().equals(db.path())) {
			throw badRequest("a live restore writes the database itself; leave outputPath out");
		}
		if (request.ifDbNotExists()) {
			throw badRequest("ifDbNotExists contradicts live: the database exists");
		}
		LitestreamReplicator.ReplicatedDb database = this.replicator.find(db.path().toString());
		if (database == null) {
			throw badRequest("db " + db.name() + " is not running");
		}
		return this.liveRestorer.restore(database, (temporary) -> {
			RestoreOptions options = new RestoreOptions(temporary, generation, index, timestamp, false, false,
					request.ifReplicaExists(), RestoreOptions.DEFAULT_PARALLELISM);
			return restoreFrom(request, db, options);
		});
	}

	private RestoreResult restoreFrom(Request request, @Nullable DbSettings db, RestoreOptions options) {
		if (request.source() != null) {
			ReplicaSettings source;
			try {
				source = this.resolver.replicaFromUrl("source", request.source(), this.settings.credentials());
			}
			catch (InvalidLitestreamConfigException ex) {
				throw badRequest(ex.getMessage());
			}
			try (ReplicaClient client = this.clients.factory().create(source)) {
				return restore(client, options);
			}
			catch (IOException ex) {
				throw new ReplicationException("closing the source client failed: " + ex.getMessage(), ex);
			}
		}
		if (db == null) {
			throw badRequest("no database to take the replica from; give db or source");
		}
		return restore(this.clients.get(replica(db, request.replica())), options);
	}

	private RestoreResult restore(ReplicaClient client, RestoreOptions options) {
		if (!options.overwrite() && !options.ifDbNotExists() && Files.exists(options.outputPath(), LinkOption.NOFOLLOW_LINKS)) {
			throw new RestoreProblem(409, options.outputPath() + " exists; set overwrite to replace it");
		}
		try {
			return new Restorer(client).restore(options);
		}
		catch (NoBackupFoundException ex) {
			throw new RestoreProblem(404, ex.getMessage());
		}
		catch (RestoreTargetExistsException ex) {
			throw new RestoreProblem(409, ex.getMessage());
		}
		catch (IllegalArgumentException ex) {
			throw badRequest(ex.getMessage());
		}
	}

	private @Nullable DbSettings db(@Nullable String name) {
		if (name == null) {
			if (this.settings.dbs().size() == 1) {
				return this.settings.dbs().get(0);
			}
			if (this.settings.dbs().isEmpty()) {
				return null;
			}
			throw badRequest("several databases are replicated; name one in db: "
					+ this.settings.dbs().stream().map(DbSettings::name).toList());
		}
		DbSettings db = this.settings.find(name);
		if (db == null) {
			throw badRequest("unknown db '" + name + "'; replicated: "
					+ this.settings.dbs().stream().map(DbSettings::name).toList());
		}
		return db;
	}

	private static ReplicaSettings replica(DbSettings db, @Nullable String name) {
		if (db.replicas().isEmpty()) {
			throw badRequest(db.name() + " has no replica; give a source");
		}
		if (name == null) {
			return db.replicas().get(0);
		}
		return db.replicas()
			.stream()
			.filter((replica) -> replica.name().equals(name))
			.findFirst()
			.orElseThrow(() -> badRequest("unknown replica '" + name + "' of " + db.name() + "; replicas: "
					+ db.replicas().stream().map(ReplicaSettings::name).toList()));
	}

	/**
	 * The output file, confined to the allowed directories: no {@code ..} segment, and no symbolic link on the
	 * way that leads outside them. The live databases themselves are refused: writing under a running SQLite
	 * would corrupt it.
	 */
	private Path outputPath(@Nullable String requested, @Nullable DbSettings db) {
		Path path;
		if (requested == null) {
			if (db == null) {
				throw badRequest("outputPath is required when no database is replicated");
			}
			path = db.path().resolveSibling(db.name() + ".restored-" + SUFFIX.format(Instant.now()));
		}
		else {
			try {
				Path given = Path.of(requested);
				for (Path segment : given) {
					if (segment.toString().equals("..")) {
						throw badRequest("outputPath must not contain '..'");
					}
				}
				if (db == null && this.allowedDirs.isEmpty()) {
					throw badRequest("no directory allows restores; set litestream.restore.allowed-dirs");
				}
				Path base = (db != null) ? db.path().getParent() : this.allowedDirs.get(0);
				path = base.resolve(given).toAbsolutePath().normalize();
			}
			catch (InvalidPathException ex) {
				throw badRequest("outputPath is not a valid path: " + ex.getMessage());
			}
		}
		Path parent = path.getParent();
		if (parent == null || !Files.isDirectory(parent)) {
			throw badRequest("the directory of outputPath does not exist: " + parent);
		}
		if (Files.isSymbolicLink(path)) {
			throw badRequest("outputPath is a symbolic link: " + path);
		}
		Path realParent;
		try {
			realParent = parent.toRealPath();
		}
		catch (IOException ex) {
			throw badRequest("cannot resolve the directory of outputPath: " + ex.getMessage());
		}
		boolean allowed = false;
		for (Path dir : this.allowedDirs) {
			Path realDir;
			try {
				realDir = dir.toRealPath();
			}
			catch (IOException ex) {
				continue;
			}
			if (realParent.startsWith(realDir)) {
				allowed = true;
				break;
			}
		}
		if (!allowed) {
			throw badRequest("outputPath " + path + " is outside the allowed directories " + this.allowedDirs
					+ " (litestream.restore.allowed-dirs)");
		}
		Path real = realParent.resolve(path.getFileName());
		for (DbSettings replicated : this.settings.dbs()) {
			Path realDb = realPath(replicated.path());
			String name = realDb.getFileName().toString();
			for (String suffix : new String[] { "", "-wal", "-shm", "-journal" }) {
				if (real.equals(realDb.resolveSibling(name + suffix))) {
					throw new RestoreProblem(409, real + " belongs to the replicated database " + replicated.path()
							+ " in use; restore beside it, or use live");
				}
			}
			// The replicator's local state (shadow WAL) lives in a hidden directory beside the database.
			if (real.startsWith(realDb.resolveSibling("." + name + "-litestream4j"))) {
				throw badRequest("outputPath is inside the replicator's own state of " + replicated.path());
			}
		}
		return path;
	}

	private static Path realPath(Path db) {
		try {
			return db.getParent().toRealPath().resolve(db.getFileName());
		}
		catch (IOException ex) {
			return db;
		}
	}

	private static @Nullable Instant timestamp(@Nullable String text) {
		if (text == null) {
			return null;
		}
		try {
			return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
		}
		catch (DateTimeParseException ex) {
			throw badRequest("timestamp must be RFC 3339 with a zone, e.g. 2026-11-25T10:15:30Z; was '" + text + "'");
		}
	}

	private static @Nullable Long index(@Nullable String text) {
		if (text == null) {
			return null;
		}
		try {
			long index = Long.parseLong(text, 16);
			if (index < 0 || index > 0x7FFFFFFFL) {
				throw badRequest("index out of range: '" + text + "'");
			}
			return index;
		}
		catch (NumberFormatException ex) {
			throw badRequest("index must be hexadecimal, as Litestream's -index; was '" + text + "'");
		}
	}

	private static RestoreProblem badRequest(String reason) {
		return new RestoreProblem(400, reason);
	}

	/** The directories restores may write into. */
	public List<Path> allowedDirs() {
		return new ArrayList<>(this.allowedDirs);
	}

}
