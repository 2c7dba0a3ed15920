package io.cloudbridge.testkit.gcs;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/** A two-part {@code multipart/related} body: metadata JSON, then the media with its own Content-Type. */
record Multipart(byte[] first, byte[] second, String secondContentType) {

  static Multipart parse(String contentType, byte[] body) {
    String boundary = boundary(contentType);
    byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    int p1 = indexOf(body, delimiter, 0);
    int p2 = p1 < 0 ? -1 : indexOf(body, delimiter, p1 + delimiter.length);
    int end = p2 < 0 ? -1 : indexOf(body, delimiter, p2 + delimiter.length);
    if (p1 < 0 || p2 < 0 || end < 0) {
      throw GcsError.badRequest("Malformed multipart body");
    }
    Part a = part(body, p1 + delimiter.length, p2);
    Part b = part(body, p2 + delimiter.length, end);
    return new Multipart(a.content, b.content, b.contentType);
  }

  private record Part(String contentType, byte[] content) {}

  private static Part part(byte[] body, int from, int to) {
    byte[] crlfcrlf = "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    int headersEnd = indexOf(body, crlfcrlf, from);
    if (headersEnd < 0 || headersEnd > to) {
      throw GcsError.badRequest("Malformed multipart part");
    }
    String headers = new String(body, from, headersEnd - from, StandardCharsets.ISO_8859_1);
    String type = null;
    for (String line : headers.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-type:")) {
        type = line.substring("content-type:".length()).trim();
      }
    }
    int contentEnd = to - 2; // the CRLF before the next delimiter belongs to the delimiter
    return new Part(type, Arrays.copyOfRange(body, headersEnd + 4, Math.max(headersEnd + 4, contentEnd)));
  }

  private static String boundary(String contentType) {
    if (contentType != null) {
      for (String param : contentType.split(";")) {
        String p = param.trim();
        if (p.startsWith("boundary=")) {
          return p.substring(9).replace("\"", "");
        }
      }
    }
    throw GcsError.badRequest("multipart upload without a boundary");
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from) {
    outer:
    for (int i = from; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
