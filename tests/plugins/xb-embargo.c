/*
 * A complete Attest policy plug-in in C, against docs/abi.md only: the
 * national embargo of a fictional state, denying any transfer whose
 * destination is XB. It proves the ABI needs nothing from Rust.
 *
 * Build: clang-14 --target=wasm32 -O2 -nostdlib -fuse-ld=lld \
 *          -Wl,--no-entry -o xb-embargo.wasm xb-embargo.c
 */
typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;

/* The manifest custom section, as TOML text. clang 14 cannot place a C
 * variable in a custom section, so it is emitted with assembler
 * directives (newer clangs also accept a `section` attribute). */
__asm__(
    ".section .custom_section.attest.manifest,\"\",@\n"
    ".ascii \"id = \\\"xb-embargo\\\"\\n\"\n"
    ".ascii \"version = \\\"1.0.0\\\"\\n\"\n"
    ".ascii \"instrument = \\\"national\\\"\\n\"\n"
    ".ascii \"abi = 2\\n\"\n"
    ".ascii \"rules = [\\\"national.xb-embargo\\\"]\\n\"\n"
    ".text\n");

static u8 input[65536];
static u8 output[1024];
static u32 out_len;

#define EXPORT(name) __attribute__((export_name(name)))

EXPORT("attest_abi_version") u32 attest_abi_version(void) { return 2; }
EXPORT("attest_alloc") u32 attest_alloc(u32 len) { return len <= sizeof input ? (u32)(unsigned long)input : 0; }
EXPORT("attest_init") u32 attest_init(u32 ptr, u32 len) { (void)ptr; (void)len; return 0; }
EXPORT("attest_input") u64 attest_input(void) { return (u64)(u32)(unsigned long)input << 32 | sizeof input; }

static u32 read_u32(const u8 *p) { return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24; }

static void put_u8(u8 v) { output[out_len++] = v; }
static void put_u32(u32 v) { for (int i = 0; i < 4; i++) put_u8((u8)(v >> (8 * i))); }
static void put_str(const char *s) {
    u32 n = 0;
    while (s[n]) n++;
    put_u32(n);
    for (u32 i = 0; i < n; i++) put_u8((u8)s[i]);
}

EXPORT("attest_evaluate") u64 attest_evaluate(u32 ptr, u32 len) {
    const u8 *request = (const u8 *)(unsigned long)ptr;
    /* The section table follows as_of, state and role (7 bytes); row 7 is
     * where `route` starts. The destination follows route.origin. */
    u32 route = read_u32(request + 7 + 4 * 7);
    int denied = route + 4 <= len && request[route + 2] == 'X' && request[route + 3] == 'B';

    out_len = 0;
    put_u8(0);                /* Response::Findings */
    put_u32(denied ? 1 : 0);
    if (denied) {
        put_str("national.xb-embargo");
        put_u8(5);            /* instrument: national */
        put_str("1");
        put_u8(3);            /* effect: deny */
        put_str("Destination XB is under the national arms embargo");
        put_u32(1);
        put_str("route.destination");
        put_u8(1);            /* binding */
    }
    return (u64)(u32)(unsigned long)output << 32 | out_len;
}
