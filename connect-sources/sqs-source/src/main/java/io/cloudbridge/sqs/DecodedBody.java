package io.cloudbridge.sqs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;

/**
 * A message body read by its format: the record value and schema (null schema when schemaless), the parsed
 * JSON when the body was JSON (for key, topic and timestamp lookups), and attributes from an SNS envelope.
 */
record DecodedBody(Schema schema, Object value, JsonNode json, Map<String, String> snsAttributes) {}
