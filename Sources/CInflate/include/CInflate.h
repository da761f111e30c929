#ifndef JAILBIRD_INFLATE_H
#define JAILBIRD_INFLATE_H
#include <stddef.h>
#include <stdint.h>

/// One gzip inflater with two engines behind it: ISA-L's igzip (libisal.so.2, loaded when the
/// machine has it; two to three times zlib's speed on x86-64 and arm64) or zlib. Both check each
/// member's CRC-32 and length. Members are started one at a time by the caller, who also tells
/// member boundaries, trailing garbage and the end of input apart.
typedef struct jb_inflater jb_inflater;

enum {
    /// Progress was made; call again with more output room or more input.
    JB_INFLATE_PROGRESS = 0,
    /// The member ended, its trailer checked; the input after it is unread.
    JB_INFLATE_MEMBER_END = 1,
    /// Nothing could be done with the input given: more is needed.
    JB_INFLATE_NEEDS_INPUT = 2,
    /// The data is corrupt; `*reason` says how (a static string).
    JB_INFLATE_CORRUPT = -1,
};

/// A new inflater, ISA-L's when `allow_isal` and the library loads, else zlib's; NULL when
/// neither could be set up.
jb_inflater *jb_inflater_create(int allow_isal);
void jb_inflater_destroy(jb_inflater *inflater);
/// 1 when this build can use ISA-L (its header was found: Debian's libisal-dev).
int jb_inflater_isal_built(void);
/// 1 when the inflater is ISA-L's.
int jb_inflater_is_isal(const jb_inflater *inflater);
/// Prepares for the next member (the first included).
void jb_inflater_start_member(jb_inflater *inflater);
/// Inflates from `input` into `output`, storing how many bytes were consumed and produced.
int jb_inflater_run(jb_inflater *inflater, const uint8_t *input, size_t input_count, uint8_t *output,
                    size_t output_count, size_t *consumed, size_t *produced, const char **reason);
#endif
