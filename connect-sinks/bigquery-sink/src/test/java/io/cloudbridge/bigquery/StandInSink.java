package io.cloudbridge.bigquery;

import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import java.util.HashMap;
import java.util.Map;

/** The settings that point a BigQuery sink at the stand-in, for the integration tests to add theirs to. */
final class StandInSink {

  private StandInSink() {}

  static Map<String, String> config(BigQueryStandIn bigQuery, String topics, String dataset) {
    Map<String, String> c = new HashMap<>();
    c.put("connector.class", "io.cloudbridge.bigquery.BigQuerySinkConnector");
    c.put("tasks.max", "1");
    c.put("topics", topics);
    c.put("bigquery.dataset", dataset);
    c.put("gcp.project.id", BigQueryStandIn.PROJECT);
    c.put("gcp.credentials.source", "none");
    c.put("bigquery.endpoint.override", bigQuery.restUrl());
    c.put("bigquery.storage.endpoint.override", bigQuery.grpcEndpoint());
    c.put("bigquery.storage.plaintext", "true");
    return c;
  }
}
