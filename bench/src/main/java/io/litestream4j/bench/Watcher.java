package io.litestream4j.bench;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.litestream4j.core.Lz4;
import io.litestream4j.core.ReplicaClient;
import io.litestream4j.core.SnapshotInfo;
import io.litestream4j.core.WalSegmentInfo;

/**
 * Polls a replica every 20 ms and records, per commit marker, the first moment an object holding it was
 * in the bucket: the moment a restore would have contained that commit.
 */
final class Watcher implements AutoCloseable {

	private static final Pattern MARKER = Pattern.compile("<c(\\d{8})>");

	private final ReplicaClient client;

	private final Map<Integer, Long> firstSeen = new ConcurrentHashMap<>();

	private final Set<String> scanned = new HashSet<>();

	private final Thread thread;

	private volatile boolean running = true;

	Watcher(ReplicaClient client) {
		this.client = client;
		this.thread = new Thread(this::loop, "bench-watcher");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	Map<Integer, Long> firstSeen() {
		return firstSeen;
	}

	private void loop() {
		while (running) {
			try {
				poll();
				Thread.sleep(20);
			}
			catch (InterruptedException ex) {
				return;
			}
			catch (Exception ex) {
				// the replicator may be between objects; the next poll sees them
			}
		}
	}

	private void poll() throws Exception {
		for (String generation : client.generations()) {
			for (SnapshotInfo snapshot : client.snapshots(generation)) {
				String key = generation + "/s/" + snapshot.index() + "/" + snapshot.size();
				if (scanned.add(key)) {
					try (InputStream in = Lz4.decompressing(client.openSnapshot(generation, snapshot.index()))) {
						scan(in);
					}
				}
			}
			for (WalSegmentInfo segment : client.walSegments(generation)) {
				String key = generation + "/w/" + segment.index() + "/" + segment.offset();
				if (scanned.add(key)) {
					try (InputStream in = Lz4.decompressing(client.openWalSegment(segment.pos()))) {
						scan(in);
					}
				}
			}
		}
	}

	private void scan(InputStream in) throws Exception {
		long now = System.currentTimeMillis();
		byte[] buffer = new byte[1 << 20];
		String carry = "";
		int n;
		while ((n = in.readNBytes(buffer, 0, buffer.length)) > 0) {
			String text = carry + new String(buffer, 0, n, StandardCharsets.ISO_8859_1);
			Matcher m = MARKER.matcher(text);
			while (m.find()) {
				firstSeen.putIfAbsent(Integer.parseInt(m.group(1)), now);
			}
			carry = text.substring(Math.max(0, text.length() - 11));
		}
	}

	@Override
	public void close() throws InterruptedException {
		running = false;
		thread.interrupt();
		thread.join(5000);
	}

}
