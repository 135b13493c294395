package io.litestream4j.core.faults;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import io.litestream4j.core.DB;
import io.litestream4j.core.DbOptions;
import io.litestream4j.core.LeaseOptions;
import io.litestream4j.core.Replica;
import io.litestream4j.core.ReplicaOptions;
import io.litestream4j.core.s3.S3ReplicaClient;
import io.litestream4j.core.s3.S3ReplicaConfig;
import io.litestream4j.core.testing.S3ProxyServer;
import io.litestream4j.core.testing.TestDatabases;

/**
 * An application in its own JVM for fault tests: the engine replicating one database to S3 (S3Proxy)
 * and, in the same process, a steady write load. Each commit's id is appended to an acknowledgement log
 * and fsync'ed only after the commit returned, so the log is exactly what a client was told was saved.
 * <p>
 * Arguments are {@code key=value}: {@code db}, {@code acks}, {@code endpoint}, {@code bucket},
 * {@code path}, {@code sync} (ms), {@code ttl} (lease, ms), {@code pause} (ms between commits, 0 = a
 * burst), {@code pad} (bytes per row). Prints {@code STATUS <epochMs> gen=<db generation> rgen=<generation
 * of the replica's position, null until it is known from the store> lagMs=<n> okAt=<epochMs> errors=<n>
 * genChanges=<n>} every 100 ms, {@code STOPPED} after a graceful stop (SIGTERM runs the final sync).
 */
public final class FaultWriter {

	private static volatile boolean stopping;

	private FaultWriter() {
	}

	public static void main(String[] args) throws Exception {
		Map<String, String> opts = new HashMap<>();
		for (String arg : args) {
			int eq = arg.indexOf('=');
			opts.put(arg.substring(0, eq), arg.substring(eq + 1));
		}
		Path dbPath = Path.of(opts.get("db"));
		Path acks = Path.of(opts.get("acks"));
		long pause = Long.parseLong(opts.getOrDefault("pause", "20"));
		int pad = Integer.parseInt(opts.getOrDefault("pad", "200"));

		Connection app = TestDatabases.appConnection(dbPath);
		try (Statement statement = app.createStatement()) {
			statement.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, at INTEGER, pad BLOB)");
		}
		S3ReplicaClient client = S3ReplicaClient.create(new S3ReplicaConfig(opts.get("bucket"), opts.get("path"),
				S3ProxyServer.REGION, opts.get("endpoint"), true, false, S3ProxyServer.ACCESS_KEY,
				S3ProxyServer.SECRET_KEY, null));
		DB db = new DB(DbOptions.defaults(dbPath),
				new LeaseOptions(true, Duration.ofMillis(Long.parseLong(opts.getOrDefault("ttl", "30000")))));
		Replica replica = db.addReplica(ReplicaOptions.defaults("s3")
			.withSyncInterval(Duration.ofMillis(Long.parseLong(opts.getOrDefault("sync", "1000")))), client);
		db.start();

		Thread writer = new Thread(() -> writeLoop(app, acks, pause, pad), "fault-writer");
		Thread status = new Thread(() -> statusLoop(db, replica), "fault-status");
		status.setDaemon(true);
		// SIGTERM: the load stops first (its last acknowledged commit is final), then the engine's graceful
		// stop uploads what remains, as a Spring context's shutdown would.
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			stopping = true;
			try {
				writer.join(10_000);
				db.close();
				client.close();
				System.out.println("STOPPED lagMs=" + replica.lag().toMillis() + " error=" + replica.lastError());
				System.out.flush();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}, "fault-shutdown"));
		writer.start();
		status.start();
		writer.join();
	}

	private static void writeLoop(Connection app, Path acks, long pause, int pad) {
		Random random = new Random();
		try (FileChannel log = FileChannel.open(acks, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
				StandardOpenOption.APPEND);
				PreparedStatement insert = app.prepareStatement("INSERT INTO t (id, at, pad) VALUES (?, ?, ?)")) {
			long id;
			try (Statement statement = app.createStatement();
					ResultSet rs = statement.executeQuery("SELECT COALESCE(MAX(id), 0) + 1 FROM t")) {
				rs.next();
				id = rs.getLong(1);
			}
			byte[] bytes = new byte[pad];
			while (!stopping) {
				random.nextBytes(bytes);
				long now = System.currentTimeMillis();
				insert.setLong(1, id);
				insert.setLong(2, now);
				insert.setBytes(3, bytes);
				insert.executeUpdate();
				// Acknowledged only once the commit returned; forced so a kill -9 cannot lose the record.
				log.write(ByteBuffer.wrap((id + " " + System.currentTimeMillis() + "\n").getBytes(StandardCharsets.US_ASCII)));
				log.force(false);
				id++;
				if (pause > 0) {
					Thread.sleep(pause);
				}
			}
		}
		catch (Exception ex) {
			System.out.println("WRITER-ERROR " + ex);
			System.out.flush();
		}
	}

	private static void statusLoop(DB db, Replica replica) {
		while (true) {
			Instant ok = replica.lastSuccessAt();
			io.litestream4j.core.Pos replicated = replica.pos();
			System.out.println("STATUS " + System.currentTimeMillis() + " gen=" + db.generation() + " rgen="
					+ (replicated == null ? "null" : replicated.generation()) + " lagMs="
					+ replica.lag().toMillis() + " okAt=" + (ok == null ? 0 : ok.toEpochMilli()) + " errors="
					+ replica.errorCount() + " genChanges=" + db.stats().generationChanges());
			System.out.flush();
			try {
				Thread.sleep(100);
			}
			catch (InterruptedException ex) {
				return;
			}
		}
	}

	/** Reads an acknowledgement log: id → epoch millis when acknowledged. */
	static Map<Long, Long> readAcks(Path acks) throws IOException {
		Map<Long, Long> result = new HashMap<>();
		for (String line : java.nio.file.Files.readAllLines(acks, StandardCharsets.US_ASCII)) {
			String[] parts = line.trim().split(" ");
			// A line cut by kill -9 mid-write was never acknowledged.
			if (parts.length == 2 && !parts[1].isEmpty()) {
				result.put(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
			}
		}
		return result;
	}

}
