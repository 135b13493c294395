package io.litestream4j.autoconfigure;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A minimal Spring Boot application on the auto-configuration, run as its own JVM by
 * {@link BootSigtermTests}: replication configured by {@code litestream.*} arguments and a burst of
 * writes whose ids are appended (fsync'ed) to an acknowledgement log after each commit. On SIGTERM,
 * Spring's shutdown hook stops the writer first (a higher phase), then the replicator with its final
 * sync, exactly as in a real application.
 */
@Configuration(proxyBeanMethods = false)
@ImportAutoConfiguration(LitestreamAutoConfiguration.class)
public class BootWriterApplication {

	public static void main(String[] args) {
		SpringApplication.run(BootWriterApplication.class, args);
	}

	@Bean
	Writer writer(@Value("${litestream.dbs[0].path}") String db, @Value("${writer.acks}") String acks) {
		return new Writer(Path.of(db), Path.of(acks));
	}

	/** Writes until stopped, which happens before the replicator stops. */
	static final class Writer implements SmartLifecycle {

		private final Path db;

		private final Path acks;

		private volatile boolean running;

		private Thread thread;

		Writer(Path db, Path acks) {
			this.db = db;
			this.acks = acks;
		}

		@Override
		public void start() {
			this.running = true;
			this.thread = new Thread(this::writeLoop, "boot-writer");
			this.thread.start();
		}

		@Override
		public void stop() {
			this.running = false;
			try {
				this.thread.join(10_000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			System.out.println("WRITER-STOPPED");
		}

		@Override
		public boolean isRunning() {
			return this.running;
		}

		@Override
		public int getPhase() {
			return LitestreamReplicator.PHASE + 1;
		}

		private void writeLoop() {
			try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + this.db);
					Statement statement = connection.createStatement();
					FileChannel log = FileChannel.open(this.acks, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
							StandardOpenOption.APPEND)) {
				statement.execute("PRAGMA busy_timeout = 10000");
				statement.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, pad TEXT)");
				try (PreparedStatement insert = connection.prepareStatement("INSERT INTO t (id, pad) VALUES (?, ?)")) {
					for (long id = 1; this.running; id++) {
						insert.setLong(1, id);
						insert.setString(2, "row-" + id);
						insert.executeUpdate();
						// Acknowledged only after the commit returned, and durably.
						log.write(ByteBuffer.wrap((id + "\n").getBytes(StandardCharsets.US_ASCII)));
						log.force(false);
					}
				}
			}
			catch (Exception ex) {
				System.out.println("WRITER-ERROR " + ex);
			}
		}

	}

}
