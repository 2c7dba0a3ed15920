package io.cloudbridge.bench;

import io.cloudbridge.testkit.connect.ConnectCluster;

/**
 * One benchmark: a measured run through a real Connect worker and a baseline measured in the same run on
 * the same data (raw client loop, raw encoder or null sink), so figures are read relative to each other.
 */
interface Scenario {

  String name();

  /** What the figures mean, printed above them. */
  String description();

  Result baseline(ConnectCluster cluster, int records) throws Exception;

  Result measured(ConnectCluster cluster, int records) throws Exception;
}
