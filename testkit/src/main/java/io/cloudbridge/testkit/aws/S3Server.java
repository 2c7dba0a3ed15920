package io.cloudbridge.testkit.aws;

import java.net.URI;
import java.nio.file.Path;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * A real S3-compatible server (S3Proxy) on loopback, objects in memory or under a directory. It checks
 * AWS signatures (V2 or V4) against {@link AwsEndpoint}'s fixed keys. Clients must use path-style access.
 */
public final class S3Server implements AutoCloseable {

  private final S3Proxy proxy;
  private final AwsEndpoint endpoint;

  private S3Server(S3Proxy proxy) {
    this.proxy = proxy;
    this.endpoint = AwsEndpoint.local(proxy.getPort());
  }

  /** Objects in memory. */
  public static S3Server inMemory() {
    return start(new TransientNio2BlobStore(), 0);
  }

  /** Objects under {@code dir} (one sub-directory per bucket), on the given port or a free one for 0. */
  public static S3Server onDisk(Path dir, int port) {
    return start(new FilesystemNio2BlobStore(dir.toAbsolutePath().toString()), port);
  }

  private static S3Server start(BlobStore store, int port) {
    S3Proxy proxy = S3Proxy.builder()
        .blobStore(store)
        .endpoint(URI.create("http://127.0.0.1:" + port))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, AwsEndpoint.ACCESS_KEY_ID, AwsEndpoint.SECRET_ACCESS_KEY)
        // S3 accepts x-amz-security-token (temporary credentials from STS); S3Proxy would answer 501 to it.
        .ignoreUnknownHeaders(true)
        .build();
    try {
      proxy.start();
    } catch (Exception e) {
      throw new IllegalStateException("S3Proxy did not start", e);
    }
    return new S3Server(proxy);
  }

  public AwsEndpoint endpoint() {
    return endpoint;
  }

  /** A client of the real AWS SDK pointed at this server, path-style. The caller closes it. */
  public S3Client client() {
    return S3Client.builder()
        .endpointOverride(endpoint.uri())
        .region(endpoint.region())
        .credentialsProvider(endpoint.credentials())
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .build();
  }

  /**
   * Puts an object through {@code s3} and returns its etag without quotes, as notifications carry it. S3Proxy at
   * times closes a kept-alive connection just as the JDK's client reuses it for a PUT ("Unexpected end of file from
   * server"), which the SDK does not retry; test set-up tries again, up to three times.
   */
  public static String put(S3Client s3, java.util.function.Consumer<software.amazon.awssdk.services.s3.model
      .PutObjectRequest.Builder> request, byte[] content) {
    for (int attempt = 1; ; attempt++) {
      try {
        return s3.putObject(request, software.amazon.awssdk.core.sync.RequestBody.fromBytes(content)).eTag()
            .replace("\"", "");
      } catch (java.io.UncheckedIOException e) {
        if (attempt == 3) {
          throw e;
        }
      }
    }
  }

  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("S3Proxy did not stop", e);
    }
  }
}
