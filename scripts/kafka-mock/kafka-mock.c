/*
 * An in-memory Kafka-protocol cluster for client tests, from librdkafka's mock cluster.
 * Usage: kafka-mock [--brokers N] [topic:partitions ...]
 * Prints the bootstrap servers as one line on stdout, then serves until stdin closes or SIGTERM/SIGINT,
 * so a test runner that dies takes the broker with it.
 * SIGUSR1 takes every broker down (connections closed, new ones refused) and SIGUSR2 brings them up
 * again with their logs kept, as a broker restarted over its disk would: the outage drill of bench:chaos.
 * Each prints "down" or "up" on stdout once done.
 * The mock has no CreateTopics API: clients rely on auto-creation (4 partitions by default) or on
 * topics pre-created here.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static volatile sig_atomic_t stopping = 0;
static volatile sig_atomic_t updown = 0; /* 1: take the brokers down, 2: bring them up */
static void on_signal(int sig) { (void)sig; stopping = 1; }
static void on_updown(int sig) { updown = sig == SIGUSR1 ? 1 : 2; }

int main(int argc, char **argv) {
  int brokers = 3, i = 1;
  char errstr[512];
  if (argc > 2 && strcmp(argv[1], "--brokers") == 0) { brokers = atoi(argv[2]); i = 3; }
  if (brokers < 1) { fprintf(stderr, "kafka-mock: --brokers must be >= 1\n"); return 2; }

  /* The signals below are for the main thread alone: blocked while librdkafka starts its threads (which
   * inherit the mask), unblocked after, so none lands on a thread that would not wake the loop. */
  sigset_t ours, before;
  sigemptyset(&ours);
  sigaddset(&ours, SIGTERM);
  sigaddset(&ours, SIGINT);
  sigaddset(&ours, SIGUSR1);
  sigaddset(&ours, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &ours, &before);

  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* The handle only hosts the cluster; silence its notice that it has no bootstrap servers. */
  rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof errstr);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) { fprintf(stderr, "kafka-mock: %s\n", errstr); return 1; }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (!mc) { fprintf(stderr, "kafka-mock: could not create the mock cluster\n"); return 1; }

  for (; i < argc; i++) {
    char *colon = strrchr(argv[i], ':');
    int parts = colon ? atoi(colon + 1) : 0;
    if (!colon || parts < 1) { fprintf(stderr, "kafka-mock: expected topic:partitions, got %s\n", argv[i]); return 2; }
    *colon = '\0';
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, argv[i], parts, brokers < 3 ? brokers : 3);
    if (err) { fprintf(stderr, "kafka-mock: topic %s: %s\n", argv[i], rd_kafka_err2str(err)); return 1; }
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal; /* no SA_RESTART: the blocking read below returns EINTR */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  struct sigaction ud;
  memset(&ud, 0, sizeof ud);
  ud.sa_handler = on_updown;
  sigaction(SIGUSR1, &ud, NULL);
  sigaction(SIGUSR2, &ud, NULL);
  pthread_sigmask(SIG_SETMASK, &before, NULL);

  printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);

  char buf[256];
  while (!stopping) {
    if (updown) {
      int up = updown == 2;
      updown = 0;
      if (up) rd_kafka_mock_broker_set_up(mc, -1);
      else rd_kafka_mock_broker_set_down(mc, -1);
      printf("%s\n", up ? "up" : "down");
      fflush(stdout);
    }
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EINTR)) break;
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
