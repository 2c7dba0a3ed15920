package io.cloudbridge.testkit.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

class S3ServerTest {

  @Test
  void storesAndServesAGzippedObjectThroughTheRealSdk() throws Exception {
    try (S3Server server = S3Server.inMemory(); S3Client s3 = server.client()) {
      s3.createBucket(b -> b.bucket("logs"));
      byte[] gz = gzip("{\"a\":1}\n{\"a\":2}\n");
      s3.putObject(b -> b.bucket("logs").key("2026/11/22/app log+1.json.gz"), RequestBody.fromBytes(gz));

      byte[] back = s3.getObjectAsBytes(b -> b.bucket("logs").key("2026/11/22/app log+1.json.gz")).asByteArray();
      assertThat(back).isEqualTo(gz);
      assertThat(s3.listObjectsV2(b -> b.bucket("logs").prefix("2026/")).contents())
          .extracting(o -> o.key()).containsExactly("2026/11/22/app log+1.json.gz");
      assertThatThrownBy(() -> s3.getObject(b -> b.bucket("logs").key("absent")))
          .isInstanceOf(NoSuchKeyException.class);
    }
  }

  @Test
  void keepsObjectsOnDiskWhenGivenADirectory(@TempDir Path dir) {
    try (S3Server server = S3Server.onDisk(dir, 0); S3Client s3 = server.client()) {
      s3.createBucket(b -> b.bucket("exports"));
      s3.putObject(b -> b.bucket("exports").key("a.txt"), RequestBody.fromString("hello"));
    }
    assertThat(Files.exists(dir.resolve("exports"))).isTrue();
  }

  @Test
  void rejectsAWrongSecret() {
    try (S3Server server = S3Server.inMemory();
         S3Client wrong = S3Client.builder()
             .endpointOverride(server.endpoint().uri())
             .region(server.endpoint().region())
             .credentialsProvider(StaticCredentialsProvider.create(
                 AwsBasicCredentials.create(AwsEndpoint.ACCESS_KEY_ID, "not-the-secret")))
             .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
             .httpClientBuilder(UrlConnectionHttpClient.builder())
             .build()) {
      assertThatThrownBy(() -> wrong.createBucket(b -> b.bucket("denied")))
          .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
    }
  }

  private static byte[] gzip(String text) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }
}
