package io.cloudbridge.bigquery;

import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.InstantiatingGrpcChannelProvider;
import com.google.auth.Credentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryOptions;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteClient;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteSettings;
import io.cloudbridge.common.gcp.GcpConfig;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;

/** The BigQuery clients as the config asks: endpoints, project, credentials and retry budget. */
final class Clients {

  private Clients() {}

  private static Credentials credentials(BigQuerySinkConfig config) {
    return config.gcp().credentialsSource() == GcpConfig.CredentialsSource.NONE ? NoCredentials.getInstance()
        : config.gcp().credentials();
  }

  /** The REST client (datasets and tables). */
  static BigQuery rest(BigQuerySinkConfig config) {
    BigQueryOptions.Builder b = BigQueryOptions.newBuilder().setCredentials(credentials(config))
        .setRetrySettings(config.retrySettings());
    if (!config.gcp().projectId().isBlank()) {
      b.setProjectId(config.gcp().projectId());
    }
    if (!config.endpoint().isEmpty()) {
      b.setHost(config.endpoint());
    }
    return b.build().getService();
  }

  /** The GCS client of batch loads' staged files (the BigQuery retry budget, bigquery.retry.*). */
  static com.google.cloud.storage.Storage storage(BigQuerySinkConfig config) {
    return io.cloudbridge.staging.StorageClient.create(config.gcp(), config.batchEndpoint(), config.retrySettings(),
        new io.cloudbridge.staging.RetryCounting());
  }

  /** The Storage Write client. */
  static BigQueryWriteClient write(BigQuerySinkConfig config) throws IOException {
    BigQueryWriteSettings.Builder b = BigQueryWriteSettings.newBuilder();
    Credentials credentials = credentials(config);
    b.setCredentialsProvider(credentials instanceof NoCredentials ? NoCredentialsProvider.create()
        : FixedCredentialsProvider.create(credentials));
    if (!config.storageEndpoint().isEmpty()) {
      InstantiatingGrpcChannelProvider.Builder channel = InstantiatingGrpcChannelProvider.newBuilder()
          .setEndpoint(config.storageEndpoint());
      if (config.storagePlaintext()) {
        channel.setChannelConfigurator(ManagedChannelBuilder::usePlaintext);
      }
      b.setEndpoint(config.storageEndpoint()).setTransportChannelProvider(channel.build());
    }
    return BigQueryWriteClient.create(b.build());
  }
}
