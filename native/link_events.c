/* Interfaces appearing and vanishing, from rtnetlink (RTMGRP_LINK), as FL_REC_LINK records for
 * the capture thread to queue: the agent attaches a new pod's veth as soon as it exists. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "internal.h"

#define FL_LINK_RECV_BYTES 32768
#define FL_LINK_RECORD_BYTES (FL_RECORD_BYTES + IFNAMSIZ)
/* Every message of one read fits, however short the messages are. */
#define FL_LINK_ROOM_PER_READ (FL_LINK_RECV_BYTES / NLMSG_LENGTH(sizeof(struct ifinfomsg)) * FL_LINK_RECORD_BYTES)

int fl_link_events_open(void)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	int err;

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static const char *fl_link_name(const struct nlmsghdr *nh, __u32 *len)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int left = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));
	const struct rtattr *a;

	for (a = IFLA_RTA(ifi); RTA_OK(a, left); a = RTA_NEXT(a, left)) {
		if (a->rta_type == IFLA_IFNAME) {
			*len = (__u32)strnlen(RTA_DATA(a), RTA_PAYLOAD(a));
			return RTA_DATA(a);
		}
	}
	*len = 0;
	return "";
}

static void fl_link_record(struct fl_payload_record *r, __u32 event, __u32 ifindex, const char *name, __u32 len)
{
	if (len > IFNAMSIZ)
		len = IFNAMSIZ;
	memset(r, 0, FL_LINK_RECORD_BYTES);
	r->rec.size = FL_LINK_RECORD_BYTES;
	r->rec.kind = FL_REC_LINK;
	r->rec.time_ns = fl_clock_ns(CLOCK_REALTIME);
	r->rec.ifindex = ifindex;
	r->rec.aux = event;
	r->rec.payload_len = (__u16)len;
	memcpy(r->payload, name, len);
}

_Static_assert(IFNAMSIZ % 8 == 0, "link records stay a multiple of 8");

/* Reads what is waiting on the socket; writes link records into buf, returns their bytes. A
 * socket that overflowed (events missed) yields one FL_LINK_RESCAN record. */
__u32 fl_link_events_read(int fd, __u8 *buf, __u32 len)
{
	__u8 msg[FL_LINK_RECV_BYTES] __attribute__((aligned(NLMSG_ALIGNTO)));
	__u32 written = 0;

	while (len - written >= FL_LINK_ROOM_PER_READ) {
		ssize_t n = recv(fd, msg, sizeof(msg), 0);
		const struct nlmsghdr *nh;
		int left;

		if (n < 0 && errno == ENOBUFS) {
			fl_link_record((struct fl_payload_record *)(buf + written), FL_LINK_RESCAN, 0, "", 0);
			written += FL_LINK_RECORD_BYTES;
			continue;
		}
		if (n <= 0)
			break;
		left = (int)n;
		for (nh = (const struct nlmsghdr *)msg; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
			const struct ifinfomsg *ifi = NLMSG_DATA(nh);
			const char *name;
			__u32 name_len;

			if (nh->nlmsg_type != RTM_NEWLINK && nh->nlmsg_type != RTM_DELLINK)
				continue;
			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
				continue;
			/* Bridge port notifications look like link events but are not. */
			if (ifi->ifi_family == AF_BRIDGE)
				continue;
			name = fl_link_name(nh, &name_len);
			fl_link_record((struct fl_payload_record *)(buf + written),
				       nh->nlmsg_type == RTM_NEWLINK ? FL_LINK_NEW : FL_LINK_DEL, (__u32)ifi->ifi_index, name,
				       name_len);
			written += FL_LINK_RECORD_BYTES;
		}
	}
	return written;
}
