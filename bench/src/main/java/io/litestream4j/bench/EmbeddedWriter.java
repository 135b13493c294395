package io.litestream4j.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;

import io.litestream4j.core.CheckpointRouting;
import io.litestream4j.core.DB;
import io.litestream4j.core.DbOptions;
import io.litestream4j.core.ReplicaOptions;
import io.litestream4j.core.s3.S3ReplicaClient;
import io.litestream4j.core.s3.S3ReplicaConfig;

/**
 * The application with litestream4j inside, as the starter sets it up: the writer's connection routes its
 * {@code PRAGMA wal_checkpoint} to the replicator in the same JVM. Replicates for the writer's run, then
 * stops with a final sync. Args: db mode durationMillis log endpoint bucket path accessKey secretKey.
 */
public final class EmbeddedWriter {

	private EmbeddedWriter() {
	}

	public static void main(String[] args) throws Exception {
		S3ReplicaConfig config = new S3ReplicaConfig(args[5], args[6], "us-east-1", args[4], true, false, args[7],
				args[8], null);
		Path db = Path.of(args[0]);
		try (DB replicator = new DB(DbOptions.defaults(db))) {
			replicator.addReplica(ReplicaOptions.defaults("s3"), S3ReplicaClient.create(config));
			replicator.start();
			replicator.syncAndWait(Duration.ofSeconds(60));
			try (Connection connection = CheckpointRouting.wrap(DriverManager.getConnection("jdbc:sqlite:" + db),
					() -> replicator)) {
				Writer.run(connection, args[1], Long.parseLong(args[2]), Path.of(args[3]), 0);
			}
		}
	}

}
