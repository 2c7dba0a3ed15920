package io.cloudbridge.testkit.gcs;

import java.util.Map;

/**
 * The JSON API's generation and metageneration preconditions, checked against the live object (null when
 * there is none). Match failures are 412; not-match failures are 304, as GCS documents.
 */
record Preconditions(Long ifGenerationMatch, Long ifGenerationNotMatch,
                     Long ifMetagenerationMatch, Long ifMetagenerationNotMatch) {

  static Preconditions from(Map<String, String> query) {
    if (query.containsKey("ifGenerationMatch") && query.containsKey("ifGenerationNotMatch")) {
      throw GcsError.badRequest("ifGenerationMatch and ifGenerationNotMatch are mutually exclusive");
    }
    return new Preconditions(number(query, "ifGenerationMatch"), number(query, "ifGenerationNotMatch"),
        number(query, "ifMetagenerationMatch"), number(query, "ifMetagenerationNotMatch"));
  }

  private static Long number(Map<String, String> query, String name) {
    String v = query.get(name);
    if (v == null) {
      return null;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw GcsError.badRequest("Invalid value for " + name + ": " + v);
    }
  }

  boolean isEmpty() {
    return ifGenerationMatch == null && ifGenerationNotMatch == null
        && ifMetagenerationMatch == null && ifMetagenerationNotMatch == null;
  }

  void check(GcsObject live) {
    long generation = live == null ? 0 : live.generation();
    if (ifGenerationMatch != null && ifGenerationMatch != generation) {
      throw GcsError.preconditionFailed();
    }
    if (ifGenerationNotMatch != null && (live == null || ifGenerationNotMatch == generation)) {
      throw GcsError.notModified();
    }
    if (ifMetagenerationMatch != null && (live == null || ifMetagenerationMatch != live.metageneration())) {
      throw GcsError.preconditionFailed();
    }
    if (ifMetagenerationNotMatch != null && (live == null || ifMetagenerationNotMatch == live.metageneration())) {
      throw GcsError.notModified();
    }
  }
}
