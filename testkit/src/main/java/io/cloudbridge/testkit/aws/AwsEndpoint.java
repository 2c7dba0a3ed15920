package io.cloudbridge.testkit.aws;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/** Where a local AWS stand-in listens and the fixed credentials it accepts. */
public record AwsEndpoint(URI uri, String accessKeyId, String secretAccessKey, Region region) {

  public static final String ACCESS_KEY_ID = "cloudbridge-test";
  public static final String SECRET_ACCESS_KEY = "cloudbridge-test-secret";

  public static AwsEndpoint local(int port) {
    return new AwsEndpoint(URI.create("http://127.0.0.1:" + port), ACCESS_KEY_ID, SECRET_ACCESS_KEY, Region.US_EAST_1);
  }

  public StaticCredentialsProvider credentials() {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey));
  }
}
