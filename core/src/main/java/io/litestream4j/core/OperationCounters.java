package io.litestream4j.core;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Request and byte counts per operation of one replica client, read by metrics. */
public final class OperationCounters {

	private final Map<ReplicaOperation, AtomicLong> requests = new EnumMap<>(ReplicaOperation.class);

	private final Map<ReplicaOperation, AtomicLong> bytes = new EnumMap<>(ReplicaOperation.class);

	public OperationCounters() {
		for (ReplicaOperation operation : ReplicaOperation.values()) {
			requests.put(operation, new AtomicLong());
			bytes.put(operation, new AtomicLong());
		}
	}

	public void record(ReplicaOperation operation, long byteCount) {
		requests.get(operation).incrementAndGet();
		bytes.get(operation).addAndGet(byteCount);
	}

	public long requests(ReplicaOperation operation) {
		return requests.get(operation).get();
	}

	public long bytes(ReplicaOperation operation) {
		return bytes.get(operation).get();
	}

}
