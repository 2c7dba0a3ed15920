package io.cloudbridge.staging.format;

/** How raw byte values are delimited. */
public enum BytesSeparator { NEWLINE, LENGTH_PREFIXED, NONE }
