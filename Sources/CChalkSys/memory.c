#define _GNU_SOURCE
#include "CChalkSys.h"
#include <elf.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

// Giving memory back while the supervisor idles (RULINGS 12: its RSS is measured while the
// workload sleeps). Three parts: malloc_trim; the clean pages of chalk's own read-only data
// (below); and chalk's own code (the release-and-poll stub further down).

#define PAGE 4096UL

/// A mapping of chalk's own file, from /proc/self/maps.
typedef struct { uintptr_t start, end; char perms[5]; } own_mapping;

/// The mappings of the file that holds this function's code (at most `max`), or -1.
static int own_mappings(own_mapping *out, int max) {
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buf[16384];
    ssize_t n = 0, r;
    while (n < (ssize_t)sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - (size_t)n)) > 0) n += r;
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    uintptr_t here = (uintptr_t)&own_mappings;
    unsigned long inode_of_code = 0;
    // Pass 1: the inode of the mapping that holds this code. Pass 2: every mapping of it.
    for (int pass = 0; pass < 2; pass++) {
        int count = 0;
        for (char *line = buf; line && *line; ) {
            char *next = strchr(line, '\n');
            unsigned long start, end, off, inode;
            char perms[5], dev[16];
            if (sscanf(line, "%lx-%lx %4s %lx %15s %lu", &start, &end, perms, &off, dev, &inode) == 6) {
                if (pass == 0 && here >= start && here < end) { inode_of_code = inode; break; }
                if (pass == 1 && inode == inode_of_code && inode != 0 && count < max) {
                    out[count].start = start; out[count].end = end;
                    memcpy(out[count].perms, perms, 5);
                    count++;
                }
            }
            line = next ? next + 1 : NULL;
        }
        if (pass == 1) return count;
        if (inode_of_code == 0) return -1;
    }
    return -1;
}

/// The page-aligned interior of this executable's `.rodata` section, or 0 when unknown. With
/// some Swift static libraries `.rodata` comes out writable and lands in the read-write segment,
/// so it is not a read-only mapping of its own; nothing writes to it at run time.
static int rodata_range(uintptr_t *start, uintptr_t *end) {
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    int found = 0;
    Elf64_Ehdr eh;
    if (pread(fd, &eh, sizeof eh, 0) == (ssize_t)sizeof eh && memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
        eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_type == ET_EXEC && eh.e_shentsize == sizeof(Elf64_Shdr) &&
        eh.e_shnum > 0 && eh.e_shnum < 4096 && eh.e_shstrndx < eh.e_shnum) {
        Elf64_Shdr names;
        if (pread(fd, &names, sizeof names, (off_t)(eh.e_shoff + (uint64_t)eh.e_shstrndx * sizeof names)) == (ssize_t)sizeof names) {
            for (int i = 0; i < eh.e_shnum && !found; i++) {
                Elf64_Shdr sh;
                char name[16] = {0};
                if (pread(fd, &sh, sizeof sh, (off_t)(eh.e_shoff + (uint64_t)i * sizeof sh)) != (ssize_t)sizeof sh) break;
                if (sh.sh_name >= names.sh_size) continue;
                if (pread(fd, name, sizeof name - 1, (off_t)(names.sh_offset + sh.sh_name)) <= 0) continue;
                if (strcmp(name, ".rodata") != 0 || sh.sh_addr == 0) continue;
                *start = (sh.sh_addr + PAGE - 1) & ~(PAGE - 1);
                *end = (sh.sh_addr + sh.sh_size) & ~(PAGE - 1);
                found = *end > *start;
            }
        }
    }
    close(fd);
    return found;
}

/// Drops the page-table entries of the pages in [start, end) that are still the file's own
/// (present, file-backed: never written, so they come back unchanged from the page cache).
/// Pages written since the mapping was made are private copies and are kept.
static void drop_clean_pages(int pagemap, uintptr_t start, uintptr_t end) {
    uint64_t entries[512];
    for (uintptr_t base = start; base < end; ) {
        size_t count = (size_t)((end - base) / PAGE);
        if (count > 512) count = 512;
        ssize_t got = pread(pagemap, entries, count * 8, (off_t)(base / PAGE * 8));
        if (got <= 0) return;
        count = (size_t)got / 8;
        uintptr_t run = 0;
        for (size_t i = 0; i <= count; i++) {
            int clean = i < count && (entries[i] >> 63 & 1) && (entries[i] >> 61 & 1);
            uintptr_t addr = base + i * PAGE;
            if (clean && !run) run = addr;
            if (!clean && run) { madvise((void *)run, addr - run, MADV_DONTNEED); run = 0; }
        }
        base += count * PAGE;
    }
}

/// A range of chalk's own read-only data to drop.
typedef struct { uintptr_t start, end; } data_range;

/// What to give back, from one reading of /proc/self/maps: the read-only data of chalk's own
/// file (its read-only mappings, i.e. constants and the RELRO part made read-only after
/// start-up, and the interior of `.rodata`) and its code (the r-xp mapping that holds this
/// function; MADV_DONTNEED on a writable private mapping would lose data). All the parsing
/// happens here, before anything is dropped: what runs after the drop must not touch that data
/// again (one touch maps a whole large folio back).
typedef struct {
    data_range data[16];
    int data_count;
    int have_text;
    uintptr_t text_start;
    size_t text_len;
} release_plan;

static void plan_release(release_plan *plan) {
    plan->data_count = 0;
    plan->have_text = 0;
    own_mapping maps[16];
    int n = own_mappings(maps, 16);
    static int have_rodata = -1;
    static uintptr_t ro_start, ro_end;
    if (have_rodata < 0) have_rodata = rodata_range(&ro_start, &ro_end);
    uintptr_t here = (uintptr_t)&plan_release;
    for (int i = 0; i < n; i++) {
        if (strcmp(maps[i].perms, "r-xp") == 0 && here >= maps[i].start && here < maps[i].end) {
            plan->have_text = 1;
            plan->text_start = maps[i].start;
            plan->text_len = maps[i].end - maps[i].start;
        } else if (plan->data_count < 16 && strcmp(maps[i].perms, "r--p") == 0) {
            plan->data[plan->data_count++] = (data_range){maps[i].start, maps[i].end};
        } else if (plan->data_count < 16 && have_rodata && strcmp(maps[i].perms, "rw-p") == 0) {
            uintptr_t s = ro_start > maps[i].start ? ro_start : maps[i].start;
            uintptr_t e = ro_end < maps[i].end ? ro_end : maps[i].end;
            if (e > s) plan->data[plan->data_count++] = (data_range){s, e};
        }
    }
}

static void drop_clean_data(const data_range *ranges, int n) {
    if (n <= 0) return;
    int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (pagemap < 0) return;
    for (int i = 0; i < n; i++) drop_clean_pages(pagemap, ranges[i].start, ranges[i].end);
    close(pagemap);
}

void chalk_malloc_trim(void) { malloc_trim(0); }

void chalk_release_memory(void) {
    malloc_trim(0);
    release_plan plan;
    plan_release(&plan);
    drop_clean_data(plan.data, plan.data_count);
    if (plan.have_text) madvise((void *)plan.text_start, plan.text_len, MADV_DONTNEED);
}

#if defined(__x86_64__)
// madvise(addr, len, MADV_DONTNEED) then poll(pfd, 1, timeout), as 46 bytes of machine code in
// a page of their own. Returning from madvise into chalk's text would fault a large folio of it
// straight back in (megabytes with the page cache's large folios); returning into this page
// faults nothing, so the idle reporter holds none of chalk's code. x86-64 SysV:
// rdi = addr, rsi = len, rdx = pfd, rcx = timeout; returns poll's result.
static const unsigned char release_and_poll_code[] = {
    0x49, 0x89, 0xd0,                   // mov r8, rdx      (pfd)
    0x49, 0x89, 0xc9,                   // mov r9, rcx      (timeout; syscall clobbers rcx)
    0xb8, 0x1c, 0x00, 0x00, 0x00,       // mov eax, 28      (SYS_madvise)
    0xba, 0x04, 0x00, 0x00, 0x00,       // mov edx, 4       (MADV_DONTNEED)
    0x0f, 0x05,                         // syscall
    0x4c, 0x89, 0xc7,                   // mov rdi, r8
    0xbe, 0x01, 0x00, 0x00, 0x00,       // mov esi, 1       (nfds)
    0x4c, 0x89, 0xca,                   // mov rdx, r9
    0xb8, 0x07, 0x00, 0x00, 0x00,       // mov eax, 7       (SYS_poll)
    0x0f, 0x05,                         // syscall
    0xc3,                               // ret
};
typedef long (*release_and_poll_fn)(void *, size_t, struct pollfd *, long);

/// The stub, mapped once (write, then read+execute: never both). NULL when the system forbids
/// executable anonymous memory; callers fall back to madvise + poll from chalk's text.
static release_and_poll_fn release_and_poll_stub(void) {
    static release_and_poll_fn stub;
    static int tried;
    if (tried) return stub;
    tried = 1;
    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) return NULL;
    memcpy(page, release_and_poll_code, sizeof release_and_poll_code);
    if (mprotect(page, 4096, PROT_READ | PROT_EXEC) != 0) { munmap(page, 4096); return NULL; }
    stub = (release_and_poll_fn)page;
    return stub;
}
#endif

int chalk_release_memory_and_poll(int fd, int timeout_ms) {
    malloc_trim(0);
    struct pollfd p = { .fd = fd, .events = POLLIN, .revents = 0 };
    release_plan plan;
    plan_release(&plan);
    if (!plan.have_text) { drop_clean_data(plan.data, plan.data_count); return poll(&p, 1, timeout_ms); }
#if defined(__x86_64__)
    release_and_poll_fn stub = release_and_poll_stub();
    drop_clean_data(plan.data, plan.data_count);
    if (stub) return (int)stub((void *)plan.text_start, plan.text_len, &p, timeout_ms);
#else
    drop_clean_data(plan.data, plan.data_count);
#endif
    madvise((void *)plan.text_start, plan.text_len, MADV_DONTNEED);
    return poll(&p, 1, timeout_ms);
}
