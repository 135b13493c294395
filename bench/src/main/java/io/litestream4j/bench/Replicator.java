package io.litestream4j.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import io.litestream4j.core.DB;
import io.litestream4j.core.DbOptions;
import io.litestream4j.core.ReplicaOptions;
import io.litestream4j.core.s3.S3ReplicaClient;
import io.litestream4j.core.s3.S3ReplicaConfig;

/**
 * litestream4j replicating one database to S3 in its own JVM, so CPU and memory are measured the same
 * way as for the litestream binary. Stops (with a final sync) on SIGTERM.
 * Args: db endpoint bucket path accessKey secretKey syncIntervalMillis.
 */
public final class Replicator {

	private Replicator() {
	}

	public static void main(String[] args) throws Exception {
		S3ReplicaConfig config = new S3ReplicaConfig(args[2], args[3], "us-east-1", args[1], true, false, args[4],
				args[5], null);
		DB db = new DB(DbOptions.defaults(Path.of(args[0])));
		db.addReplica(ReplicaOptions.defaults("s3").withSyncInterval(Duration.ofMillis(Long.parseLong(args[6]))),
				S3ReplicaClient.create(config));
		CountDownLatch stopped = new CountDownLatch(1);
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			db.close();
			stopped.countDown();
		}));
		db.start();
		System.out.println("replicating");
		stopped.await();
	}

}
