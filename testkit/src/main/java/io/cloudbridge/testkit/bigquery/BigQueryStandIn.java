package io.cloudbridge.testkit.bigquery;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.InstantiatingGrpcChannelProvider;
import com.google.cloud.NoCredentials;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryOptions;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteClient;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteSettings;
import io.cloudbridge.testkit.http.HttpFaults;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A BigQuery stand-in for the real Google clients: the Storage Write API as a gRPC server on Google's
 * generated {@code BigQueryWrite} stubs, and the REST datasets/tables API. Rows are validated against the
 * table schema and kept so tests can read them ({@link #rows}); CDC rows are merged by primary key.
 */
public final class BigQueryStandIn implements AutoCloseable {

  public static final String PROJECT = "cloudbridge-local";

  private final TableStore store = new TableStore(Clock.systemUTC());
  private final WriteFaults writeFaults = new WriteFaults();
  private final Server grpc;
  private final TablesApi rest;
  private final Jobs jobs = new Jobs(store);

  private BigQueryStandIn(int grpcPort, int restPort) {
    this.grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", grpcPort))
        .addService(new WriteService(store, writeFaults))
        .maxInboundMessageSize(20 * 1024 * 1024 + 64 * 1024)
        .build();
    try {
      grpc.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the Storage Write gRPC server on port " + grpcPort, e);
    }
    this.rest = new TablesApi(restPort, store, jobs);
  }

  /** Both servers on free ports. */
  public static BigQueryStandIn start() {
    return new BigQueryStandIn(0, 0);
  }

  public static BigQueryStandIn start(int grpcPort, int restPort) {
    return new BigQueryStandIn(grpcPort, restPort);
  }

  /** host:port of the Storage Write gRPC endpoint (plaintext). */
  public String grpcEndpoint() {
    return "127.0.0.1:" + grpc.getPort();
  }

  /** Base URL of the REST API, for {@code BigQueryOptions.setHost}. */
  public String restUrl() {
    return rest.url();
  }

  public WriteFaults writeFaults() {
    return writeFaults;
  }

  /**
   * How long a table's schema change takes to reach Storage Write appends: until then an append using a new column
   * is refused (SCHEMA_MISMATCH_EXTRA_FIELDS, "Input schema has more fields than BigQuery schema") and no
   * {@code updated_schema} is sent. Production takes "on the order of minutes". Zero (instant) unless set: the
   * BigQuery sink waits out new columns in every mode, but not yet a REQUIRED column it relaxed to NULLABLE, whose
   * rows fail as row errors until the relaxation is visible (issue 20).
   */
  public BigQueryStandIn schemaPropagationDelay(java.time.Duration delay) {
    store.schemaPropagationDelay(delay);
    return this;
  }

  /** Load jobs read their {@code gs://} files from this GCS stand-in. */
  public BigQueryStandIn readsFrom(io.cloudbridge.testkit.gcs.GcsStandIn gcs) {
    jobs.readFrom(gcs::objectBytes);
    return this;
  }

  /** How long a load job stays PENDING, then RUNNING, before it is DONE (50 ms and 150 ms unless set). */
  public BigQueryStandIn jobDurations(java.time.Duration pending, java.time.Duration running) {
    jobs.durations(pending.toMillis(), running.toMillis());
    return this;
  }

  /** Every job inserted so far (its REST resource as jobs.get returns it), oldest first. */
  public List<com.fasterxml.jackson.databind.node.ObjectNode> jobs() {
    return jobs.all();
  }

  public HttpFaults restFaults() {
    return rest.faults();
  }

  /** A real Storage Write client pointed at this stand-in over plaintext gRPC. The caller closes it. */
  public BigQueryWriteClient writeClient() {
    try {
      return BigQueryWriteClient.create(BigQueryWriteSettings.newBuilder()
          .setEndpoint(grpcEndpoint())
          .setCredentialsProvider(NoCredentialsProvider.create())
          .setTransportChannelProvider(InstantiatingGrpcChannelProvider.newBuilder()
              .setEndpoint(grpcEndpoint())
              .setChannelConfigurator(ManagedChannelBuilder::usePlaintext)
              .build())
          .build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A real BigQuery REST client pointed at this stand-in. */
  public BigQuery bigQuery() {
    return BigQueryOptions.newBuilder().setHost(restUrl()).setProjectId(PROJECT)
        .setCredentials(NoCredentials.getInstance()).build().getService();
  }

  /** The rows a query of the table would return now (CDC tables: the latest row per primary key). */
  public List<Map<String, Object>> rows(String dataset, String table) {
    return store.rows(PROJECT, dataset, table);
  }

  @Override
  public void close() {
    rest.close();
    jobs.close();
    grpc.shutdownNow();
    try {
      grpc.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
