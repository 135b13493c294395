package io.litestream4j.core;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Read channels on database files that are opened once per file (inode) and never closed. POSIX
 * advisory locks belong to the process: closing any descriptor of a database file drops every SQLite
 * lock this JVM holds on it, which can corrupt the database. So the engine never opens and closes the
 * main database file; it reads snapshots through these channels. (The {@code -wal} file carries no
 * SQLite locks and is opened freely.)
 */
final class DatabaseFileHandles {

	private static final ConcurrentMap<Object, FileChannel> CHANNELS = new ConcurrentHashMap<>();

	private DatabaseFileHandles() {
	}

	static FileChannel channel(Path dbFile) throws IOException {
		Object key = fileKey(dbFile);
		FileChannel existing = CHANNELS.get(key);
		if (existing != null) {
			return existing;
		}
		synchronized (CHANNELS) {
			existing = CHANNELS.get(key);
			if (existing == null) {
				existing = FileChannel.open(dbFile, StandardOpenOption.READ);
				CHANNELS.put(key, existing);
			}
			return existing;
		}
	}

	/** Identity of the file at the path (device and inode on Linux), to notice a file replaced underneath. */
	static Object fileKey(Path dbFile) throws IOException {
		Object key = Files.readAttributes(dbFile, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
		return key != null ? key : dbFile.toRealPath();
	}

}
