package io.cloudbridge.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PluginVersionTest {

  @Test
  void reportsTheProjectVersionFilteredAtBuildTime() {
    assertThat(PluginVersion.get())
        .isEqualTo(System.getProperty("project.version"))
        .doesNotContain("${");
  }
}
