package io.litestream4j.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Collects an object's bytes before upload: in memory while small, spilled to a temporary file once
 * larger than the threshold, so a multi-GB snapshot never sits in the heap. Write through
 * {@link #output()}; closing that stream ends writing and makes the spool a readable {@link Payload}.
 * Closing the spool itself deletes its file.
 */
public final class Spool implements Payload, AutoCloseable {

	public static final int DEFAULT_MEMORY_THRESHOLD = 1024 * 1024;

	private final Path tempDir;

	private final int memoryThreshold;

	private Buffer memory = new Buffer();

	private Path file;

	private OutputStream fileOut;

	private long length;

	private boolean finished;

	public Spool(Path tempDir) {
		this(tempDir, DEFAULT_MEMORY_THRESHOLD);
	}

	public Spool(Path tempDir, int memoryThreshold) {
		this.tempDir = tempDir;
		this.memoryThreshold = memoryThreshold;
	}

	/** The stream to write the object into; closing it finishes the spool. */
	public OutputStream output() {
		return new OutputStream() {
			@Override
			public void write(int b) throws IOException {
				append(new byte[] { (byte) b }, 0, 1);
			}

			@Override
			public void write(byte[] b, int off, int len) throws IOException {
				append(b, off, len);
			}

			@Override
			public void close() throws IOException {
				finish();
			}
		};
	}

	private void append(byte[] b, int off, int len) throws IOException {
		if (finished) {
			throw new IOException("spool already finished");
		}
		if (fileOut == null && memory.size() + len > memoryThreshold) {
			Files.createDirectories(tempDir);
			file = Files.createTempFile(tempDir, "spool-", ".tmp");
			fileOut = Files.newOutputStream(file);
			memory.writeTo(fileOut);
			memory = null;
		}
		if (fileOut != null) {
			fileOut.write(b, off, len);
		}
		else {
			memory.write(b, off, len);
		}
		length += len;
	}

	private void finish() throws IOException {
		if (!finished) {
			finished = true;
			if (fileOut != null) {
				fileOut.close();
			}
		}
	}

	@Override
	public long length() {
		return length;
	}

	@Override
	public InputStream open() throws IOException {
		if (!finished) {
			throw new IOException("spool not finished");
		}
		return file != null ? Files.newInputStream(file) : memory.open();
	}

	@Override
	public void close() throws IOException {
		finish();
		if (file != null) {
			Files.deleteIfExists(file);
		}
	}

	/** Reads its bytes in place instead of copying them. */
	private static final class Buffer extends ByteArrayOutputStream {

		InputStream open() {
			return new ByteArrayInputStream(buf, 0, count);
		}

	}

}
