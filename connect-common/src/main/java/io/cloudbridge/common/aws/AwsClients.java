package io.cloudbridge.common.aws;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * Configures AWS SDK v2 client builders from an {@link AwsConfig}: region, endpoint override, credentials and
 * a pooled HTTP client sized for the connector's concurrency. The caller closes what it builds, and
 * {@link #close()} closes the credentials provider (an assume-role provider owns an STS client).
 */
public final class AwsClients implements AutoCloseable {

  private final AwsConfig config;
  private final AwsCredentialsProvider credentials;

  public AwsClients(AwsConfig config) {
    config.validate();
    this.config = config;
    this.credentials = credentialsProvider(config);
  }

  /** Applies region, endpoint, credentials and an HTTP client with {@code maxConnections} to {@code builder}. */
  public <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> B configure(B builder, int maxConnections) {
    return configure(builder, maxConnections, config.endpointOverride());
  }

  /** As {@link #configure(AwsClientBuilder, int)}, with this client's own endpoint (null: the AWS one). */
  public <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> B configure(B builder, int maxConnections,
      URI endpoint) {
    if (!config.region().isEmpty()) {
      builder.region(Region.of(config.region()));
    }
    if (endpoint != null) {
      builder.endpointOverride(endpoint);
    }
    builder.credentialsProvider(credentials);
    builder.httpClientBuilder(ApacheHttpClient.builder()
        .maxConnections(maxConnections)
        .connectionTimeout(Duration.ofSeconds(10))
        // Long polls hold a connection for up to 20 s; leave room above that.
        .socketTimeout(Duration.ofSeconds(40)));
    return builder;
  }

  public AwsCredentialsProvider credentials() {
    return credentials;
  }

  static AwsCredentialsProvider credentialsProvider(AwsConfig config) {
    return switch (config.credentialsSource()) {
      case DEFAULT -> DefaultCredentialsProvider.builder().build();
      case PROFILE -> ProfileCredentialsProvider.builder().profileName(config.profileName()).build();
      case STATIC -> StaticCredentialsProvider.create(staticCredentials(config));
      case ASSUME_ROLE -> assumeRole(config);
    };
  }

  private static AwsCredentials staticCredentials(AwsConfig config) {
    return config.sessionToken().isEmpty()
        ? AwsBasicCredentials.create(config.accessKeyId(), config.secretAccessKey())
        : AwsSessionCredentials.create(config.accessKeyId(), config.secretAccessKey(), config.sessionToken());
  }

  private static AwsCredentialsProvider assumeRole(AwsConfig config) {
    AwsCredentialsProvider base = config.accessKeyId().isEmpty()
        ? DefaultCredentialsProvider.builder().build()
        : StaticCredentialsProvider.create(staticCredentials(config));
    var sts = StsClient.builder().credentialsProvider(base);
    if (!config.region().isEmpty()) {
      sts.region(Region.of(config.region()));
    }
    if (config.stsEndpoint() != null) {
      sts.endpointOverride(config.stsEndpoint());
    }
    return StsAssumeRoleCredentialsProvider.builder()
        .stsClient(sts.build())
        .refreshRequest(r -> {
          r.roleArn(config.roleArn()).roleSessionName(config.roleSessionName());
          if (!config.roleExternalId().isEmpty()) {
            r.externalId(config.roleExternalId());
          }
        })
        .asyncCredentialUpdateEnabled(false)
        .build();
  }

  @Override
  public void close() {
    if (credentials instanceof SdkAutoCloseable closeable) {
      closeable.close();
    }
  }
}
