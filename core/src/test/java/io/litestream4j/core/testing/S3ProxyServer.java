package io.litestream4j.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.litestream4j.core.s3.S3ReplicaConfig;

/**
 * S3Proxy 3.0.0 run as a separate java process for tests: filesystem backend in a temporary
 * directory, bound to 127.0.0.1 on a free port, SigV4 (and V2) authentication with fixed test
 * credentials, one bucket created up front. Each request S3Proxy handles is written by S3Proxy itself
 * to a request log, so tests can prove how many requests really reached the store.
 * <p>
 * The jar comes from the system property {@code s3proxy.jar} (the build copies it to {@code .tools/}).
 * Use it as a plain helper ({@link #start()}/{@link #close()}) or as a JUnit 5 extension with
 * {@code @RegisterExtension static S3ProxyServer s3 = new S3ProxyServer();}. {@link #stop()} keeps the
 * data, and {@link #start()} afterwards comes back on the same port, for outage tests.
 */
public final class S3ProxyServer implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

	public static final String ACCESS_KEY = "litestream4j-test-access";

	public static final String SECRET_KEY = "litestream4j-test-secret-Zq8x";

	public static final String REGION = "us-east-1";

	/** Marks S3ProxyHandler's lines in the request log; the per-request one reads "request: ...". */
	private static final String REQUEST_MARKER = "S3REQUEST ";

	private static final String KEYSTORE_PASSWORD = "s3proxy-test";

	private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

	private final String bucket;

	private final boolean tls;

	private Path workDir;

	private Path dataDir;

	private Path requestLog;

	private Path processLog;

	private int port;

	private Process process;

	private Thread shutdownHook;

	public S3ProxyServer() {
		this("litestream4j-test");
	}

	public S3ProxyServer(String bucket) {
		this(bucket, false);
	}

	private S3ProxyServer(String bucket, boolean tls) {
		this.bucket = bucket;
		this.tls = tls;
	}

	/**
	 * A server that speaks only HTTPS with a freshly generated self-signed certificate, for testing
	 * {@code skip-verify}.
	 */
	public static S3ProxyServer withSelfSignedTls(String bucket) {
		return new S3ProxyServer(bucket, true);
	}

	/** The S3Proxy jar, or null when the build did not provide it. */
	public static Path jar() {
		String jar = System.getProperty("s3proxy.jar");
		return (jar != null && Files.isRegularFile(Path.of(jar))) ? Path.of(jar) : null;
	}

	/** Starts S3Proxy, or starts it again on the same port with the same data after {@link #stop()}. */
	public synchronized S3ProxyServer start() {
		if (process != null && process.isAlive()) {
			return this;
		}
		try {
			if (workDir == null) {
				init();
			}
			List<String> command = new ArrayList<>();
			command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
			// Small and single-threaded GC: the test machine is shared and S3Proxy needs little.
			command.add("-Xmx256m");
			command.add("-XX:+UseSerialGC");
			command.add("-XX:TieredStopAtLevel=1");
			command.add("-Dlogback.configurationFile=" + workDir.resolve("logback.xml"));
			command.add("-jar");
			command.add(requireJar().toString());
			command.add("--properties");
			command.add(workDir.resolve("s3proxy.properties").toString());
			ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(processLog.toFile()));
			builder.environment().put("AWS_EC2_METADATA_DISABLED", "true");
			process = builder.start();
			if (shutdownHook == null) {
				shutdownHook = new Thread(this::destroyProcess, "s3proxy-shutdown");
				Runtime.getRuntime().addShutdownHook(shutdownHook);
			}
			awaitReady();
			return this;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot start S3Proxy: " + ex.getMessage(), ex);
		}
	}

	/** Stops the process (an outage), keeping the data and the port for {@link #start()}. */
	public synchronized void stop() {
		destroyProcess();
		awaitPortClosed();
	}

	/** Stops and starts again on the same port with the same data. */
	public synchronized void restart() {
		stop();
		start();
	}

	public synchronized boolean isRunning() {
		return process != null && process.isAlive();
	}

	/** Stops the process and deletes its data. */
	@Override
	public synchronized void close() {
		destroyProcess();
		if (shutdownHook != null) {
			try {
				Runtime.getRuntime().removeShutdownHook(shutdownHook);
			}
			catch (IllegalStateException ex) {
				// Already shutting down: the hook runs anyway.
			}
			shutdownHook = null;
		}
		if (workDir != null) {
			deleteRecursively(workDir);
			workDir = null;
		}
	}

	@Override
	public void beforeAll(ExtensionContext context) {
		start();
	}

	@Override
	public void afterAll(ExtensionContext context) {
		close();
	}

	public String endpoint() {
		return (tls ? "https" : "http") + "://127.0.0.1:" + port;
	}

	public int port() {
		return port;
	}

	public String accessKey() {
		return ACCESS_KEY;
	}

	public String secretKey() {
		return SECRET_KEY;
	}

	public String bucket() {
		return bucket;
	}

	public String region() {
		return REGION;
	}

	/** Where S3Proxy keeps the bucket's objects (filesystem backend): {@code <dataDir>/<bucket>/<key>}. */
	public Path dataDir() {
		return dataDir;
	}

	/** Settings of an S3 replica in this server's bucket under {@code path}. */
	public S3ReplicaConfig replicaConfig(String path) {
		return new S3ReplicaConfig(bucket, path, REGION, endpoint(), true, false, ACCESS_KEY, SECRET_KEY, null);
	}

	/** Every request S3Proxy has handled so far (across restarts), as logged by S3Proxy, oldest first. */
	public List<String> requests() {
		if (requestLog == null || !Files.exists(requestLog)) {
			return List.of();
		}
		try (Stream<String> lines = Files.lines(requestLog, StandardCharsets.UTF_8)) {
			return lines.filter(line -> line.contains(REQUEST_MARKER + "request: "))
				.map(line -> line.substring(line.indexOf(REQUEST_MARKER) + REQUEST_MARKER.length() + "request: ".length()))
				.toList();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot read S3Proxy request log " + requestLog, ex);
		}
	}

	/** How many requests S3Proxy has handled so far. */
	public int requestCount() {
		return requests().size();
	}

	/** Requests handled since a count taken earlier with {@link #requestCount()}. */
	public List<String> requestsSince(int mark) {
		List<String> all = requests();
		return all.subList(Math.min(mark, all.size()), all.size());
	}

	/** S3Proxy's own console output, for diagnosing a failed start. */
	public String processOutput() {
		try {
			return (processLog != null && Files.exists(processLog)) ? Files.readString(processLog) : "";
		}
		catch (IOException ex) {
			return "(cannot read " + processLog + ": " + ex.getMessage() + ")";
		}
	}

	private void init() throws IOException {
		workDir = Files.createTempDirectory("s3proxy-");
		dataDir = Files.createDirectories(workDir.resolve("data"));
		// The filesystem backend treats each top-level directory as a bucket.
		Files.createDirectories(dataDir.resolve(bucket));
		requestLog = workDir.resolve("requests.log");
		processLog = workDir.resolve("s3proxy.out");
		port = freePort();
		String listen = "s3proxy.endpoint=http://127.0.0.1:" + port;
		if (tls) {
			Path keystore = workDir.resolve("keystore.jks");
			generateSelfSignedKeystore(keystore);
			listen = String.join("\n", "s3proxy.secure-endpoint=https://127.0.0.1:" + port,
					"s3proxy.keystore-path=" + keystore, "s3proxy.keystore-password=" + KEYSTORE_PASSWORD);
		}
		Files.writeString(workDir.resolve("s3proxy.properties"), String.join("\n",
				listen,
				"s3proxy.authorization=aws-v2-or-v4",
				"s3proxy.identity=" + ACCESS_KEY,
				"s3proxy.credential=" + SECRET_KEY,
				"jclouds.provider=filesystem",
				"jclouds.identity=" + ACCESS_KEY,
				"jclouds.credential=" + SECRET_KEY,
				"jclouds.filesystem.basedir=" + dataDir,
				"") );
		// S3ProxyHandler logs "request: ..." at DEBUG for every request it handles; that logger alone
		// goes to the request log, the rest of S3Proxy stays at WARN.
		Files.writeString(workDir.resolve("logback.xml"), """
				<configuration>
				  <appender name="REQUESTS" class="ch.qos.logback.core.FileAppender">
				    <file>%s</file>
				    <append>true</append>
				    <immediateFlush>true</immediateFlush>
				    <encoder><pattern>%%d{HH:mm:ss.SSS} %s%%msg%%n</pattern></encoder>
				  </appender>
				  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
				    <encoder><pattern>[s3proxy] %%d{HH:mm:ss.SSS} %%-5level %%logger{30} %%msg%%n</pattern></encoder>
				  </appender>
				  <logger name="org.gaul.s3proxy.S3ProxyHandler" level="DEBUG" additivity="false">
				    <appender-ref ref="REQUESTS"/>
				  </logger>
				  <root level="WARN">
				    <appender-ref ref="STDOUT"/>
				  </root>
				</configuration>
				""".formatted(requestLog, REQUEST_MARKER));
	}

	private void awaitReady() throws IOException {
		long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			if (!process.isAlive()) {
				throw new IOException("S3Proxy exited with " + process.exitValue() + ": " + processOutput());
			}
			if (portOpen()) {
				return;
			}
			sleep(100);
		}
		destroyProcess();
		throw new IOException("S3Proxy did not open port " + port + " within " + STARTUP_TIMEOUT + ": " + processOutput());
	}

	private void awaitPortClosed() {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (port != 0 && portOpen() && System.nanoTime() < deadline) {
			sleep(50);
		}
	}

	private boolean portOpen() {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private void destroyProcess() {
		Process running = process;
		if (running == null) {
			return;
		}
		running.destroy();
		try {
			if (!running.waitFor(10, TimeUnit.SECONDS)) {
				running.destroyForcibly();
				running.waitFor(10, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			running.destroyForcibly();
			Thread.currentThread().interrupt();
		}
		process = null;
	}

	private Path requireJar() {
		Path jar = jar();
		if (jar == null) {
			throw new IllegalStateException("S3Proxy jar not found: system property s3proxy.jar="
					+ System.getProperty("s3proxy.jar") + " (the build copies it to .tools/; run ./mvnw validate)");
		}
		return jar;
	}

	private static void generateSelfSignedKeystore(Path keystore) throws IOException {
		Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
		Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "s3proxy", "-keyalg", "RSA",
				"-keysize", "2048", "-validity", "2", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1",
				"-keystore", keystore.toString(), "-storetype", "JKS", "-storepass", KEYSTORE_PASSWORD, "-keypass",
				KEYSTORE_PASSWORD)
			.redirectErrorStream(true)
			.start();
		try {
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
				throw new IOException("keytool failed: " + output);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException("interrupted while running keytool", ex);
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket()) {
			socket.setReuseAddress(true);
			socket.bind(new InetSocketAddress("127.0.0.1", 0));
			return socket.getLocalPort();
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while waiting for S3Proxy", ex);
		}
	}

	private static void deleteRecursively(Path dir) {
		try (Stream<Path> walk = Files.walk(dir)) {
			walk.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
		}
		catch (IOException ex) {
			// Best effort: it is a temporary directory.
		}
	}

}
