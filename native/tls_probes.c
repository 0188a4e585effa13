/* Finds OpenSSL in the processes that run here and attaches the TLS plaintext programs to it.
 *
 * Every executable file a process maps (/proc/<pid>/maps) is examined once, through the
 * process's own root (the proc root link of each process), so that files inside containers are found too.
 * A file that defines SSL_read and SSL_write (libssl, or a binary carrying OpenSSL
 * statically, such as node) gets an entry and a return probe on each of SSL_read,
 * SSL_read_ex, SSL_write and SSL_write_ex; the function travels as the BPF cookie. A uprobe
 * belongs to the file, not to a process: every process that maps the file, now or later, is
 * covered. Processes are rescanned every FL_TLS_RESCAN_MS on a thread of this module.
 *
 * The libssl next to the agent's own libraries is probed from the start: short-lived
 * clients (curl) that load it are then covered even when no running process maps it. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <bpf/libbpf.h>
#include "internal.h"
#include "tls_plaintext.h"
#include "tls_probes.h"

#define FL_TLS_RESCAN_MS 1000
#define FL_TLS_LIBSSL "libssl.so.3"
#define FL_TLS_MIN_SEEN_SLOTS 1024u
#define FL_DELETED_SUFFIX " (deleted)"

static const char *const fl_tls_symbols[FL_TLS_FN_END] = {
	[FL_TLS_FN_READ] = "SSL_read",
	[FL_TLS_FN_READ_EX] = "SSL_read_ex",
	[FL_TLS_FN_WRITE] = "SSL_write",
	[FL_TLS_FN_WRITE_EX] = "SSL_write_ex",
};

struct fl_file_key {
	__u64 dev;
	__u64 ino;
};

struct fl_probed_file {
	struct bpf_link *links[2 * FL_TLS_FN_END];
	__u32 link_count;
};

struct fl_tls_probes {
	struct bpf_program *enter;
	struct bpf_program *ret;
	pthread_t thread;
	int thread_started;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stopping;                 /* guarded by lock */
	/* Files examined, probed or not: an open-addressing set (only the scanning thread uses it). */
	struct fl_file_key *seen;
	__u32 seen_slots;             /* a power of two */
	__u32 seen_count;
	struct fl_probed_file *probed;
	__u32 probed_cap;
	__u32 probed_count;           /* read atomically by stats */
};

static __u32 fl_key_hash(const struct fl_file_key *k)
{
	__u64 h = k->ino * 0x9E3779B97F4A7C15ULL ^ k->dev;

	return (__u32)(h ^ (h >> 32));
}

/* The slot holding key, or the empty slot where it belongs (ino 0 marks an empty slot). */
static struct fl_file_key *fl_seen_slot(struct fl_tls_probes *p, const struct fl_file_key *key)
{
	__u32 i = fl_key_hash(key) & (p->seen_slots - 1);

	while (p->seen[i].ino && (p->seen[i].ino != key->ino || p->seen[i].dev != key->dev))
		i = (i + 1) & (p->seen_slots - 1);
	return &p->seen[i];
}

static int fl_seen_add(struct fl_tls_probes *p, const struct fl_file_key *key)
{
	struct fl_file_key *slot;

	if ((p->seen_count + 1) * 2 > p->seen_slots) {
		struct fl_file_key *old = p->seen;
		__u32 old_slots = p->seen_slots, i;

		p->seen = calloc(old_slots * 2, sizeof(*p->seen));
		if (!p->seen) {
			p->seen = old;
			return -ENOMEM;
		}
		p->seen_slots = old_slots * 2;
		for (i = 0; i < old_slots; i++)
			if (old[i].ino)
				*fl_seen_slot(p, &old[i]) = old[i];
		free(old);
	}
	slot = fl_seen_slot(p, key);
	if (!slot->ino) {
		*slot = *key;
		p->seen_count++;
	}
	return 0;
}

/* The file offset of a virtual address in an executable segment. */
static int fl_elf_file_offset(Elf *elf, __u64 vaddr, __u64 *offset)
{
	size_t count, i;

	if (elf_getphdrnum(elf, &count))
		return -1;
	for (i = 0; i < count; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_memsz) {
			*offset = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -1;
}

static void fl_elf_find_in(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, __u64 *vaddrs)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t count = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	size_t i;
	int fn;

	if (!data)
		return;
	for (i = 0; i < count; i++) {
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(data, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF ||
		    !sym.st_value)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name || strncmp(name, "SSL_", 4) != 0)
			continue;
		for (fn = FL_TLS_FN_READ; fn < FL_TLS_FN_END; fn++)
			if (!vaddrs[fn] && strcmp(name, fl_tls_symbols[fn]) == 0)
				vaddrs[fn] = sym.st_value;
	}
}

/* File offsets of the OpenSSL functions a file defines (0: not defined). Returns 1 when it
 * defines SSL_read and SSL_write, 0 when it does not, -errno when it cannot be read. */
static int fl_elf_tls_offsets(const char *path, __u64 *offsets)
{
	static const Elf64_Word tables[] = { SHT_DYNSYM, SHT_SYMTAB };
	__u64 vaddrs[FL_TLS_FN_END] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf;
	size_t t;
	int fn, found = 0;

	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF) {
		/* The dynamic table first: a static binary's full symbol table is large. */
		for (t = 0; t < sizeof(tables) / sizeof(tables[0]) && !(vaddrs[FL_TLS_FN_READ] && vaddrs[FL_TLS_FN_WRITE]); t++) {
			Elf_Scn *scn = NULL;

			while ((scn = elf_nextscn(elf, scn))) {
				GElf_Shdr sh;

				if (gelf_getshdr(scn, &sh) && sh.sh_type == tables[t])
					fl_elf_find_in(elf, scn, &sh, vaddrs);
			}
		}
		for (fn = FL_TLS_FN_READ; fn < FL_TLS_FN_END; fn++) {
			offsets[fn] = 0;
			if (vaddrs[fn] && fl_elf_file_offset(elf, vaddrs[fn], &offsets[fn]))
				offsets[fn] = 0;
		}
		found = offsets[FL_TLS_FN_READ] && offsets[FL_TLS_FN_WRITE];
	}
	elf_end(elf);
	close(fd);
	return found;
}

static void fl_probed_release(struct fl_probed_file *f)
{
	__u32 i;

	for (i = 0; i < f->link_count; i++)
		bpf_link__destroy(f->links[i]);
	f->link_count = 0;
}

/* Attaches entry and return probes to every function found; all or nothing. */
static int fl_probe_file(struct fl_tls_probes *p, const char *path, const __u64 *offsets)
{
	struct fl_probed_file f = { .link_count = 0 };
	int fn, ret;

	if (p->probed_count == p->probed_cap) {
		__u32 cap = p->probed_cap ? p->probed_cap * 2 : 8;
		struct fl_probed_file *grown = realloc(p->probed, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		p->probed = grown;
		p->probed_cap = cap;
	}
	for (fn = FL_TLS_FN_READ; fn < FL_TLS_FN_END; fn++) {
		if (!offsets[fn])
			continue;
		for (ret = 0; ret <= 1; ret++) {
			LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = (__u64)fn, .retprobe = ret != 0);
			struct bpf_link *link =
				bpf_program__attach_uprobe_opts(ret ? p->ret : p->enter, -1, path, offsets[fn], &opts);

			if (!link) {
				int err = -errno;

				fl_probed_release(&f);
				return err;
			}
			f.links[f.link_count++] = link;
		}
	}
	p->probed[p->probed_count] = f;
	__atomic_store_n(&p->probed_count, p->probed_count + 1, __ATOMIC_RELEASE);
	return 0;
}

/* Examines a file once: probed when it carries OpenSSL, remembered either way. A file that
 * cannot be opened (its process just exited) is tried again when seen next. */
static void fl_examine(struct fl_tls_probes *p, const struct fl_file_key *key, const char *path)
{
	__u64 offsets[FL_TLS_FN_END];
	int found;

	if (fl_seen_slot(p, key)->ino)
		return;
	found = fl_elf_tls_offsets(path, offsets);
	if (found < 0)
		return;
	/* A file whose probes do not attach is not retried every scan. */
	if (found)
		fl_probe_file(p, path, offsets);
	fl_seen_add(p, key);
}

static void fl_scan_maps(struct fl_tls_probes *p, const char *pid)
{
	char maps[64], path[PATH_MAX + 64];
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%s/maps", pid);
	f = fopen(maps, "re");
	if (!f)
		return;
	while ((len = getline(&line, &cap, f)) > 0) {
		char perms[5];
		unsigned int major, minor;
		unsigned long inode;
		int at = 0;
		struct fl_file_key key;
		const char *file;
		size_t file_len;

		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (sscanf(line, "%*x-%*x %4s %*x %x:%x %lu %n", perms, &major, &minor, &inode, &at) != 4 || !at)
			continue;
		file = line + at;
		file_len = strlen(file);
		if (perms[2] != 'x' || !inode || file[0] != '/')
			continue;
		if (file_len >= sizeof(FL_DELETED_SUFFIX) - 1 &&
		    strcmp(file + file_len - (sizeof(FL_DELETED_SUFFIX) - 1), FL_DELETED_SUFFIX) == 0)
			continue;
		key.dev = makedev(major, minor);
		key.ino = inode;
		if (fl_seen_slot(p, &key)->ino)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/root%s", pid, file);
		fl_examine(p, &key, path);
	}
	free(line);
	fclose(f);
}

static void fl_scan_processes(struct fl_tls_probes *p)
{
	DIR *proc = opendir("/proc");
	struct dirent *e;

	if (!proc)
		return;
	while ((e = readdir(proc))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		fl_scan_maps(p, e->d_name);
	}
	closedir(proc);
}

/* libssl in the directory of the libraries this agent runs with. */
static void fl_scan_own_libssl(struct fl_tls_probes *p)
{
	char dir[PATH_MAX], path[PATH_MAX + sizeof(FL_TLS_LIBSSL) + 1];
	struct fl_file_key key;
	struct stat st;
	Dl_info self;

	if (!dladdr((void *)elf_begin, &self) || !self.dli_fname || strlen(self.dli_fname) >= sizeof(dir))
		return;
	strcpy(dir, self.dli_fname);
	snprintf(path, sizeof(path), "%s/%s", dirname(dir), FL_TLS_LIBSSL);
	if (stat(path, &st))
		return;
	key.dev = st.st_dev;
	key.ino = st.st_ino;
	fl_examine(p, &key, path);
}

static void *fl_tls_scanner(void *arg)
{
	struct fl_tls_probes *p = arg;
	struct timespec deadline;

	pthread_mutex_lock(&p->lock);
	while (!p->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += FL_TLS_RESCAN_MS / 1000;
		deadline.tv_nsec += (FL_TLS_RESCAN_MS % 1000) * 1000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
		while (!p->stopping && pthread_cond_timedwait(&p->wake, &p->lock, &deadline) != ETIMEDOUT)
			;
		if (p->stopping)
			break;
		pthread_mutex_unlock(&p->lock);
		fl_scan_processes(p);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int fl_tls_probes_start(struct bpf_program *enter, struct bpf_program *ret, struct fl_tls_probes **out)
{
	struct fl_tls_probes *p = calloc(1, sizeof(*p));
	pthread_condattr_t attr;
	sigset_t all, old;
	int err;

	if (!p)
		return -ENOMEM;
	p->enter = enter;
	p->ret = ret;
	p->seen_slots = FL_TLS_MIN_SEEN_SLOTS;
	p->seen = calloc(p->seen_slots, sizeof(*p->seen));
	err = !p->seen ? -ENOMEM : elf_version(EV_CURRENT) == EV_NONE ? -ENOTSUP : 0;
	if (err) {
		free(p->seen);
		free(p);
		return err;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->wake, &attr);
	pthread_condattr_destroy(&attr);
	fl_scan_own_libssl(p);
	fl_scan_processes(p);
	/* Signals stay with the runtime's threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = -pthread_create(&p->thread, NULL, fl_tls_scanner, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		fl_tls_probes_stop(p);
		return err;
	}
	p->thread_started = 1;
	*out = p;
	return 0;
}

__u32 fl_tls_probes_files(struct fl_tls_probes *p)
{
	return p ? __atomic_load_n(&p->probed_count, __ATOMIC_ACQUIRE) : 0;
}

void fl_tls_probes_stop(struct fl_tls_probes *p)
{
	__u32 i;

	if (!p)
		return;
	if (p->thread_started) {
		pthread_mutex_lock(&p->lock);
		p->stopping = 1;
		pthread_cond_signal(&p->wake);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
	}
	for (i = 0; i < p->probed_count; i++)
		fl_probed_release(&p->probed[i]);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p->probed);
	free(p->seen);
	free(p);
}
