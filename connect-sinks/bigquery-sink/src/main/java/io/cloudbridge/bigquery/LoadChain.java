package io.cloudbridge.bigquery;

/**
 * What the load job of a staged file (or the job that already had its id) means for the partition that staged it.
 * The file holds records {@code first}..{@code last} at {@code uri}; the job with its id may be the one this file
 * made, or one an earlier owner of the partition made for the same first offset (after a crash, rebalance or an
 * offsets reset), whose labels say which records it loaded.
 */
final class LoadChain {

  enum Step {
    /** The job is PENDING or RUNNING: ask again later. */
    WAIT,
    /** Records up to {@link Decision#loadedThrough} are in the table; when {@link Decision#rewind}, the staged
     * files no longer line up with what was loaded: staging restarts after it. */
    LOADED,
    /** An earlier attempt of this id failed, loading nothing: insert the next attempt. */
    NEXT_ATTEMPT,
    /** This file's own load failed: nothing of it was loaded. */
    FAILED
  }

  record Decision(Step step, long loadedThrough, boolean rewind) {}

  private LoadChain() {}

  static Decision decide(LoadJobs.Outcome job, String uri, long first, long last) {
    if (!job.done()) {
      return new Decision(Step.WAIT, -1, false);
    }
    boolean ours = job.uris().contains(uri);
    if (job.failed()) {
      return new Decision(ours ? Step.FAILED : Step.NEXT_ATTEMPT, -1, false);
    }
    long through = ours || job.last() < job.first() || job.first() != first ? last : job.last();
    return new Decision(Step.LOADED, through, through != last);
  }
}
