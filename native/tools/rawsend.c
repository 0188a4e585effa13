/* Test tool: sends raw Ethernet frames out of an interface, one frame per stdin line in hex
 * (for malformed-packet tests; the kernel's own stacks never build such frames). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#define MAX_FRAME_BYTES 2048
#define MAX_SEND_ATTEMPTS 100

static int parse_hex(const char *line, unsigned char *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (*line) {
		if (isspace((unsigned char)*line)) {
			line++;
			continue;
		}
		if (n == cap || sscanf(line, "%2x", &v) != 1 || !isxdigit((unsigned char)line[1]))
			return -1;
		out[n++] = (unsigned char)v;
		line += 2;
	}
	return (int)n;
}

int main(int argc, char **argv)
{
	char line[2 * MAX_FRAME_BYTES + 256];
	unsigned char frame[MAX_FRAME_BYTES];
	struct sockaddr_ll addr;
	int fd, sent = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s IFNAME < hex-frames\n", argv[0]);
		return 2;
	}
	memset(&addr, 0, sizeof(addr));
	addr.sll_family = AF_PACKET;
	addr.sll_protocol = htons(ETH_P_ALL);
	addr.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (!addr.sll_ifindex) {
		perror(argv[1]);
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		int len = parse_hex(line, frame, sizeof(frame));

		if (len < 0) {
			fprintf(stderr, "bad hex line\n");
			return 1;
		}
		if (len == 0)
			continue;
		/* A busy device's queue can be full for a moment: wait and try again, a bounded number of times. */
		for (int attempt = 0;; attempt++) {
			if (sendto(fd, frame, (size_t)len, 0, (struct sockaddr *)&addr, sizeof(addr)) == len)
				break;
			if ((errno != ENOBUFS && errno != EAGAIN && errno != ENETDOWN) || attempt == MAX_SEND_ATTEMPTS) {
				perror("sendto");
				return 1;
			}
			usleep(10000);
		}
		sent++;
	}
	printf("%d\n", sent);
	return 0;
}
