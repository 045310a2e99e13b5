/* The cue bits of a batch of ASCII texts in one C pass: `text_cues_batch.cue_bits_batch`'s
 * engine.
 *
 * A Scanner holds the lexicon's entries (`text_cues.Lexicon.cues`: " token  token " -> bits) in
 * a hash table of token sequences, and the Python memos and readers it defers to. For each text it
 *   1. folds the text through the spacing table (`text_cues._ASCII_SPACED`: separators and
 *      whitespace to a space, capitals to lower case) into its tokens, joined by two spaces as
 *      the lexicon's entries join them;
 *   2. finds the entries leftmost-longest, as that automaton does: every entry is whole tokens,
 *      so at each token the longest entry starting there is taken and the scan goes on after it
 *      (the table also holds every proper prefix of a phrase, so the search stops as soon as no
 *      entry can follow);
 *   3. reads each token holding a digit or a dash as `text_cues._code_bits` does, by its shape
 *      and the tokens before and after it; a shape comes from `text_cues._shape`, once per
 *      token with its digits as 0 (the same shape, unless that is a word or unit with digits);
 *   4. looks up each token of lower-case letters, long enough and no lexicon word, in the
 *      tolerance's memo, and asks the tolerance where the memo has no answer.
 *   5. decides Spanish "de" or DE as `text_cues.cue_bits` does, by the text's own capitals;
 * and `clusters` turns each text's cues into its cluster, asking Python's `decide` once per cue
 * set. Texts beyond ASCII are left to Python (`-1`, or cluster 255, marks them).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define ENTRY 1u  /* the key is a lexicon entry: its bits count */
#define PREFIX 2u /* the key starts a longer phrase: look one token further */
#define WORD 4u   /* a single-token entry: a lexicon word, never a tolerated one */
#define UNIT 8u   /* a unit or an ordinal: a number before it is a measure */
#define ZEROED_WORD 16u /* a word or unit with digits, its digits as 0: which digits matters */

typedef struct {
    uint64_t hash;
    uint64_t bits;
    Py_ssize_t offset; /* the key's bytes in the arena; -1: an empty slot */
    Py_ssize_t length;
    unsigned flags;
} Slot;

typedef struct {
    int64_t bits; /* -1: an empty slot (no cue set is negative) */
    int cluster;
} Decision;

typedef struct {
    PyObject_HEAD
    Slot *slots;
    size_t mask, used;
    char *arena;
    Py_ssize_t arena_used, arena_size;
    unsigned char spacing[256];
    PyObject *shape;         /* callable(token) -> int: `text_cues._shape` */
    PyObject *shapes;        /* dict: a code token (digits as 0 where they change nothing) ->
                              * its shape, emptied once it holds shapes_remembered */
    Py_ssize_t shapes_remembered;
    /* The cue bits and shapes that reading a code takes (`text_cues`' constants). */
    int64_t part_number, bare_number, cartridge, not_a_part, code_context, number;
    /* Spanish "de" or DE: `text_cues.cue_bits`' last step. */
    int64_t de_word, spanish, de;
    /* The clusters decided so far, by cue set, and the `decide` they came from. */
    Decision *decisions;
    size_t decisions_mask, decisions_used;
    PyObject *decide;
    PyObject *tolerated;     /* dict: unknown token -> bits */
    PyObject *tolerate;      /* callable(token) -> int */
    Py_ssize_t min_tolerated; /* the shortest unknown token worth looking up */
    /* Per text: its tokens joined by two spaces, and where each token is. */
    char *text;
    Py_ssize_t text_size;
    Py_ssize_t *starts, *ends;
    uint64_t *hashes;
    unsigned char *kinds;
    /* What each byte makes of the token it is in, once folded (`NOT_LETTER`, `HAS_MARK`). */
    unsigned char kind_of[256];
    Py_ssize_t token_size;
    /* Set once __init__ has finished; set while a call scans (its callbacks, or another thread
     * while one of them runs, must not share the buffers above). */
    int ready, busy;
} Scanner;

/* The cluster `clusters` gives a text beyond ASCII: Python reads it. */
#define NOT_ASCII_CLUSTER 255
#define DECISIONS 65536

#define HAS_MARK 1u   /* a digit or a dash: read for codes */
#define NOT_LETTER 2u /* anything but a-z: never tolerated */

static const uint64_t FNV_OFFSET = 14695981039346656037ULL, FNV_PRIME = 1099511628211ULL;

static inline uint64_t fnv(uint64_t hash, const char *bytes, Py_ssize_t length) {
    for (Py_ssize_t i = 0; i < length; i++) {
        hash = (hash ^ (unsigned char)bytes[i]) * FNV_PRIME;
    }
    return hash;
}

/* A key's hash from its tokens' own: a text's tokens are hashed once, as they are folded, and
 * any run of them is then looked up without reading its bytes again. */
static inline uint64_t followed(uint64_t hash, uint64_t token) {
    return ((hash << 23 | hash >> 41) ^ token) * 0x9E3779B97F4A7C15ULL;
}

/* The hash of a key: its tokens, joined by two spaces. */
static uint64_t key_hash(const char *key, Py_ssize_t length) {
    uint64_t hash = 0;
    int first = 1;
    Py_ssize_t start = 0;
    for (Py_ssize_t i = 0; i <= length; i++) {
        if (i == length || key[i] == ' ') {
            if (i > start) {
                uint64_t token = fnv(FNV_OFFSET, key + start, i - start);
                hash = first ? token : followed(hash, token);
                first = 0;
            }
            start = i + 1;
        }
    }
    return hash;
}

static Slot *find(Scanner *self, uint64_t hash, const char *key, Py_ssize_t length) {
    for (size_t i = hash & self->mask;; i = (i + 1) & self->mask) {
        Slot *slot = &self->slots[i];
        if (slot->offset < 0) {
            return slot;
        }
        if (slot->hash == hash && slot->length == length &&
            memcmp(self->arena + slot->offset, key, (size_t)length) == 0) {
            return slot;
        }
    }
}

/* Return `buffer` resized to `size` bytes, or NULL with MemoryError set. */
static void *resized(void *buffer, size_t size) {
    void *resized = PyMem_Realloc(buffer, size);
    if (resized == NULL) {
        PyErr_NoMemory();
    }
    return resized;
}

/* Add `flags` and `bits` to the key's slot, storing the key if it is new. */
static int add(Scanner *self, const char *key, Py_ssize_t length, unsigned flags, uint64_t bits) {
    uint64_t hash = key_hash(key, length);
    Slot *slot = find(self, hash, key, length);
    if (slot->offset < 0) {
        if (4 * (self->used + 1) > 3 * (self->mask + 1)) {
            /* `find` needs an empty slot to stop at: the table was sized for every key. */
            PyErr_SetString(PyExc_RuntimeError, "the lexicon's table is full");
            return -1;
        }
        self->used++;
        if (self->arena_used + length > self->arena_size) {
            Py_ssize_t size = 2 * (self->arena_size + length);
            char *arena = resized(self->arena, (size_t)size);
            if (arena == NULL) {
                return -1;
            }
            self->arena = arena;
            self->arena_size = size;
        }
        memcpy(self->arena + self->arena_used, key, (size_t)length);
        slot->hash = hash;
        slot->offset = self->arena_used;
        slot->length = length;
        self->arena_used += length;
    }
    slot->flags |= flags;
    slot->bits |= bits;
    return 0;
}

/* Store one lexicon entry, " token  token ", with every proper prefix of its tokens. */
static int add_entry(Scanner *self, const char *entry, Py_ssize_t length, uint64_t bits) {
    if (length < 3 || entry[0] != ' ' || entry[length - 1] != ' ') {
        PyErr_SetString(PyExc_ValueError, "a lexicon entry is not padded by one space");
        return -1;
    }
    const char *key = entry + 1;
    Py_ssize_t key_length = length - 2;
    int phrase = 0;
    for (Py_ssize_t i = 0; i + 1 < key_length; i++) {
        if (key[i] == ' ' && key[i + 1] == ' ') {
            if (add(self, key, i, PREFIX, 0) < 0) {
                return -1;
            }
            phrase = 1;
            i++;
        }
    }
    return add(self, key, key_length, phrase ? ENTRY : ENTRY | WORD, bits);
}

static int grow_text(Scanner *self, Py_ssize_t length) {
    /* A text of n bytes has at most n/2 + 1 tokens and joins into at most 2n bytes. */
    Py_ssize_t size = 2 * length + 8, tokens = length / 2 + 2;
    if (size > self->text_size) {
        char *text = resized(self->text, (size_t)size);
        if (text == NULL) {
            return -1;
        }
        self->text = text;
        self->text_size = size;
    }
    if (tokens > self->token_size) {
        Py_ssize_t *starts = resized(self->starts, (size_t)tokens * sizeof(Py_ssize_t));
        if (starts == NULL) {
            return -1;
        }
        self->starts = starts;
        Py_ssize_t *ends = resized(self->ends, (size_t)tokens * sizeof(Py_ssize_t));
        if (ends == NULL) {
            return -1;
        }
        self->ends = ends;
        uint64_t *hashes = resized(self->hashes, (size_t)tokens * sizeof(uint64_t));
        if (hashes == NULL) {
            return -1;
        }
        self->hashes = hashes;
        unsigned char *kinds = resized(self->kinds, (size_t)tokens);
        if (kinds == NULL) {
            return -1;
        }
        self->kinds = kinds;
        self->token_size = tokens;
    }
    return 0;
}

/* Fold `raw` into self->text, its tokens joined by two spaces as lexicon entries join them, each
 * token's hash and kind beside; return how many tokens it holds. */
static Py_ssize_t fold(Scanner *self, const unsigned char *raw, Py_ssize_t length) {
    char *out = self->text;
    Py_ssize_t at = 0, count = 0;
    int inside = 0;
    unsigned kind = 0;
    uint64_t hash = FNV_OFFSET;
    for (Py_ssize_t i = 0; i < length; i++) {
        unsigned char ch = self->spacing[raw[i]];
        if (ch == ' ') {
            if (inside) {
                self->ends[count] = at;
                self->hashes[count] = hash;
                self->kinds[count++] = (unsigned char)kind;
                out[at++] = ' ';
                out[at++] = ' ';
                inside = 0;
            }
            continue;
        }
        if (!inside) {
            self->starts[count] = at;
            inside = 1;
            kind = 0;
            hash = FNV_OFFSET;
        }
        kind |= self->kind_of[raw[i]];
        hash = (hash ^ ch) * FNV_PRIME;
        out[at++] = (char)ch;
    }
    if (inside) {
        self->ends[count] = at;
        self->hashes[count] = hash;
        self->kinds[count++] = (unsigned char)kind;
    }
    return count;
}

/* The lexicon's entries in the folded text: leftmost-longest, whole tokens. */
static uint64_t entry_bits(Scanner *self, Py_ssize_t count) {
    uint64_t bits = 0;
    const char *text = self->text;
    Py_ssize_t i = 0;
    while (i < count) {
        Py_ssize_t best = -1;
        uint64_t best_bits = 0, hash = self->hashes[i];
        for (Py_ssize_t j = i; j < count; j++) {
            /* The key grows token by token: "token", "token  token", ... */
            if (j > i) {
                hash = followed(hash, self->hashes[j]);
            }
            Slot *slot = find(self, hash, text + self->starts[i], self->ends[j] - self->starts[i]);
            if (slot->offset < 0) {
                break;
            }
            if (slot->flags & ENTRY) {
                best = j;
                best_bits = slot->bits;
            }
            if (!(slot->flags & PREFIX)) {
                break;
            }
        }
        if (best >= 0) {
            bits |= best_bits;
            i = best + 1;
        } else {
            i++;
        }
    }
    return bits;
}

/* Read an int (a borrowed reference) as cue bits; -1 with an exception set if it is none. */
static int read_bits(PyObject *value, int64_t *bits) {
    long long read = PyLong_AsLongLong(value);
    if (read == -1 && PyErr_Occurred()) {
        return -1;
    }
    *bits = (int64_t)read;
    return 0;
}

/* `read_bits` of a call's result (a new reference, NULL if the call raised), which it releases. */
static int as_bits(PyObject *result, int64_t *bits) {
    if (result == NULL) {
        return -1;
    }
    int read = read_bits(result, bits);
    Py_DECREF(result);
    return read;
}

static PyObject *ascii(const char *bytes, Py_ssize_t length) {
    PyObject *str = PyUnicode_New(length, 127);
    if (str != NULL) {
        memcpy(PyUnicode_DATA(str), bytes, (size_t)length);
    }
    return str;
}

/* The slot of a token, by its hash and bytes; NULL if the table has none. */
static Slot *token_slot(Scanner *self, uint64_t hash, const char *token, Py_ssize_t length) {
    Slot *slot = find(self, hash, token, length);
    return slot->offset < 0 ? NULL : slot;
}

static int all_digits(const char *token, Py_ssize_t length) {
    for (Py_ssize_t i = 0; i < length; i++) {
        if (token[i] < '0' || token[i] > '9') {
            return 0;
        }
    }
    return length > 0;
}

/* `text_cues._shape(token)`, remembered by the token with its digits as 0 unless that is a word
 * or unit with digits (the shape reads digits by their places alone, but for known words). */
static int token_shape(Scanner *self, const char *token, Py_ssize_t length, int64_t *shape) {
    PyObject *zeroed = ascii(token, length);
    if (zeroed == NULL) {
        return -1;
    }
    char *digits = PyUnicode_DATA(zeroed);
    for (Py_ssize_t i = 0; i < length; i++) {
        if (digits[i] >= '1' && digits[i] <= '9') {
            digits[i] = '0';
        }
    }
    /* The token as typed: only where its digits matter, or its shape must be asked for. */
    PyObject *exact = NULL, *key = zeroed;
    Slot *slot = token_slot(self, fnv(FNV_OFFSET, digits, length), digits, length);
    if (slot != NULL && (slot->flags & ZEROED_WORD)) {
        key = exact = ascii(token, length);
        if (exact == NULL) {
            Py_DECREF(zeroed);
            return -1;
        }
    }
    PyObject *known = PyDict_GetItemWithError(self->shapes, key);
    int result = -1;
    if (known != NULL) {
        result = read_bits(known, shape);
    } else if (!PyErr_Occurred() && (exact != NULL || (exact = ascii(token, length)) != NULL)) {
        PyObject *found = PyObject_CallOneArg(self->shape, exact);
        /* Read before it is remembered: a shape that is no int is never kept. */
        if (found != NULL && (result = read_bits(found, shape)) == 0) {
            if (PyDict_GET_SIZE(self->shapes) >= self->shapes_remembered) {
                PyDict_Clear(self->shapes);
            }
            result = PyDict_SetItem(self->shapes, key, found);
        }
        Py_XDECREF(found);
    }
    Py_XDECREF(exact);
    Py_DECREF(zeroed);
    return result;
}

/* What token k shows by its shape, between the tokens before and after it in its text: as
 * `text_cues._code_bits` and `text_cues._number_cue` read it. */
static int code_bits(Scanner *self, Py_ssize_t k, Py_ssize_t count, int64_t *bits) {
    const char *text = self->text, *token = text + self->starts[k];
    Py_ssize_t length = self->ends[k] - self->starts[k];
    int64_t shape = 0;
    if (all_digits(token, length)) {
        shape = self->number;
    } else if (token_shape(self, token, length, &shape) < 0) {
        return -1;
    }
    *bits = 0;
    if (shape == self->cartridge) {
        *bits = shape;
        return 0;
    }
    if (shape == 0) {
        return 0;
    }
    const char *before = k > 0 ? text + self->starts[k - 1] : text;
    Py_ssize_t before_length = k > 0 ? self->ends[k - 1] - self->starts[k - 1] : 0;
    Slot *slot = k > 0 ? token_slot(self, self->hashes[k - 1], before, before_length) : NULL;
    int64_t known = slot != NULL && (slot->flags & WORD) ? (int64_t)slot->bits : 0;
    if (known & self->not_a_part) {
        /* An order, invoice or phone number, a zip code, an amount: no part. */
        return 0;
    }
    if (shape > 0) {
        *bits = shape;
        return 0;
    }
    if (known & self->code_context) {
        *bits = self->part_number;
        return 0;
    }
    if (shape != self->number) {
        return 0;
    }
    if (k + 1 < count) {
        Slot *after = token_slot(self, self->hashes[k + 1], text + self->starts[k + 1],
                                 self->ends[k + 1] - self->starts[k + 1]);
        if (after != NULL && (after->flags & UNIT)) {
            return 0;
        }
    }
    if (length == 3 && before_length >= 1 && before_length <= 3 &&
        all_digits(before, before_length)) {
        /* The "000" of "20,000". */
        return 0;
    }
    /* A bare number is a SKU when long; shorter, it may still be a code asked about by
     * number. */
    if (length >= 6 && length <= 9) {
        *bits = self->part_number;
    } else if (length >= 3 && length <= 5) {
        *bits = self->bare_number;
    }
    return 0;
}

/* The cues of an unknown token of letters, through the tolerance's memo. */
static int tolerated_bits(Scanner *self, Py_ssize_t k, int64_t *bits) {
    const char *token = self->text + self->starts[k];
    Py_ssize_t length = self->ends[k] - self->starts[k];
    Slot *slot = token_slot(self, self->hashes[k], token, length);
    if (slot != NULL && (slot->flags & WORD)) {
        *bits = 0;
        return 0;
    }
    PyObject *key = ascii(token, length);
    if (key == NULL) {
        return -1;
    }
    PyObject *known = PyDict_GetItemWithError(self->tolerated, key);
    if (known != NULL) {
        Py_DECREF(key);
        return read_bits(known, bits);
    }
    if (PyErr_Occurred()) {
        Py_DECREF(key);
        return -1;
    }
    PyObject *found = PyObject_CallOneArg(self->tolerate, key);
    Py_DECREF(key);
    return as_bits(found, bits);
}

static int is_word_char(unsigned char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
}

/* Whether an ASCII text writes "DE" as a word (`text_cues._CAPITAL_DE`, \bDE\b) and is not all
 * capitals (str.isupper: a capital and no small letter): in Spanish, "de" is "of" but there. */
static int capital_de(const unsigned char *text, Py_ssize_t length) {
    int de = 0, capital = 0, small = 0;
    for (Py_ssize_t i = 0; i < length; i++) {
        unsigned char ch = text[i];
        small |= ch >= 'a' && ch <= 'z';
        capital |= ch >= 'A' && ch <= 'Z';
        de |= ch == 'D' && i + 1 < length && text[i + 1] == 'E' &&
              (i == 0 || !is_word_char(text[i - 1])) &&
              (i + 2 == length || !is_word_char(text[i + 2]));
    }
    return de && !(capital && !small);
}

static int text_bits(Scanner *self, PyObject *text, int64_t *out) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "texts must be str");
        return -1;
    }
    if (!PyUnicode_IS_ASCII(text)) {
        *out = -1;
        return 0;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    if (grow_text(self, length) < 0) {
        return -1;
    }
    Py_ssize_t count = fold(self, PyUnicode_DATA(text), length);
    int64_t bits = (int64_t)entry_bits(self, count);
    for (Py_ssize_t k = 0; k < count; k++) {
        int64_t found = 0;
        unsigned kind = self->kinds[k];
        if (kind & HAS_MARK) {
            if (code_bits(self, k, count, &found) < 0) {
                return -1;
            }
        } else if (!(kind & NOT_LETTER) &&
                   self->ends[k] - self->starts[k] >= self->min_tolerated) {
            if (tolerated_bits(self, k, &found) < 0) {
                return -1;
            }
        }
        bits |= found;
    }
    if ((bits & self->de_word) && (!(bits & self->spanish) || capital_de(PyUnicode_DATA(text), length))) {
        bits |= self->de;
    }
    *out = bits;
    return 0;
}

/* Buffers grown past this for one long text are let go at the end of its call. */
#define KEPT_TEXT_BYTES (1 << 20)

/* Start a call: return the texts as a tuple of its own, which no callback can change under the
 * scan, or NULL with an exception set if the scanner is not ready or already at work. */
static PyObject *begun(Scanner *self, PyObject *texts) {
    if (!self->ready) {
        PyErr_SetString(PyExc_RuntimeError, "the Scanner was not initialised");
        return NULL;
    }
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "the Scanner is scanning already: one call at a time");
        return NULL;
    }
    PyObject *items = PySequence_Tuple(texts);
    if (items != NULL) {
        self->busy = 1;
    }
    return items;
}

/* End a call begun with `items`; return `result` (NULL on an error). */
static PyObject *ended(Scanner *self, PyObject *items, PyObject *result) {
    self->busy = 0;
    Py_DECREF(items);
    if (self->text_size > KEPT_TEXT_BYTES) {
        PyMem_Free(self->text);
        PyMem_Free(self->starts);
        PyMem_Free(self->ends);
        PyMem_Free(self->hashes);
        PyMem_Free(self->kinds);
        self->text = NULL;
        self->starts = self->ends = NULL;
        self->hashes = NULL;
        self->kinds = NULL;
        self->text_size = self->token_size = 0;
    }
    return result;
}

static PyObject *Scanner_scan(Scanner *self, PyObject *texts) {
    PyObject *items = begun(self, texts);
    if (items == NULL) {
        return NULL;
    }
    Py_ssize_t count = PyTuple_GET_SIZE(items);
    PyObject *result = PyByteArray_FromStringAndSize(NULL, count * (Py_ssize_t)sizeof(int64_t));
    if (result == NULL) {
        return ended(self, items, NULL);
    }
    int64_t *bits = (int64_t *)PyByteArray_AS_STRING(result);
    for (Py_ssize_t i = 0; i < count; i++) {
        if (text_bits(self, PyTuple_GET_ITEM(items, i), &bits[i]) < 0) {
            Py_DECREF(result);
            return ended(self, items, NULL);
        }
    }
    return ended(self, items, result);
}

/* Mark each str of `words` in the table with `flags`. */
static int add_words(Scanner *self, PyObject *words, unsigned flags) {
    PyObject *iterator = PyObject_GetIter(words);
    if (iterator == NULL) {
        return -1;
    }
    PyObject *word;
    while ((word = PyIter_Next(iterator)) != NULL) {
        int failed = !PyUnicode_Check(word);
        if (failed) {
            PyErr_SetString(PyExc_TypeError, "words must be str");
        } else if (PyUnicode_IS_ASCII(word)) {
            failed = add(self, PyUnicode_DATA(word), PyUnicode_GET_LENGTH(word), flags, 0) < 0;
        }
        Py_DECREF(word);
        if (failed) {
            Py_DECREF(iterator);
            return -1;
        }
    }
    Py_DECREF(iterator);
    return PyErr_Occurred() ? -1 : 0;
}

static void forget_decisions(Scanner *self) {
    for (size_t j = 0; j <= self->decisions_mask; j++) {
        self->decisions[j].bits = -1;
    }
    self->decisions_used = 0;
}

/* The cluster of a cue set: remembered, or asked of `decide` once. */
static int cluster_of(Scanner *self, int64_t bits) {
    size_t i = (size_t)((uint64_t)bits * 0x9E3779B97F4A7C15ULL >> 40) & self->decisions_mask;
    for (;; i = (i + 1) & self->decisions_mask) {
        Decision *slot = &self->decisions[i];
        if (slot->bits == bits) {
            return slot->cluster;
        }
        if (slot->bits < 0) {
            break;
        }
    }
    int64_t cluster;
    if (as_bits(PyObject_CallFunction(self->decide, "L", (long long)bits), &cluster) < 0) {
        return -1;
    }
    if (cluster < 0 || cluster > 254) {
        PyErr_SetString(PyExc_ValueError, "decide returned no cluster");
        return -1;
    }
    if (4 * (self->decisions_used + 1) > 3 * (self->decisions_mask + 1)) {
        /* Full: forget every decision (a year of free text shows some 28,000 sets). */
        forget_decisions(self);
        i = (size_t)((uint64_t)bits * 0x9E3779B97F4A7C15ULL >> 40) & self->decisions_mask;
        while (self->decisions[i].bits >= 0) {
            i = (i + 1) & self->decisions_mask;
        }
    }
    self->decisions[i].bits = bits;
    self->decisions[i].cluster = (int)cluster;
    self->decisions_used++;
    return (int)cluster;
}

static PyObject *Scanner_clusters(Scanner *self, PyObject *args) {
    PyObject *texts, *decide;
    if (!PyArg_ParseTuple(args, "OO:clusters", &texts, &decide)) {
        return NULL;
    }
    if (!PyCallable_Check(decide)) {
        PyErr_SetString(PyExc_TypeError, "decide must be callable");
        return NULL;
    }
    PyObject *items = begun(self, texts);
    if (items == NULL) {
        return NULL;
    }
    if (decide != self->decide) {
        /* Decisions are remembered for one `decide` only. */
        forget_decisions(self);
        Py_INCREF(decide);
        Py_XSETREF(self->decide, decide);
    }
    Py_ssize_t count = PyTuple_GET_SIZE(items);
    PyObject *result = PyByteArray_FromStringAndSize(NULL, count);
    if (result == NULL) {
        return ended(self, items, NULL);
    }
    unsigned char *clusters = (unsigned char *)PyByteArray_AS_STRING(result);
    for (Py_ssize_t i = 0; i < count; i++) {
        int64_t bits;
        int cluster = 0;
        if (text_bits(self, PyTuple_GET_ITEM(items, i), &bits) < 0 ||
            (bits >= 0 && (cluster = cluster_of(self, bits)) < 0)) {
            Py_DECREF(result);
            return ended(self, items, NULL);
        }
        clusters[i] = bits < 0 ? NOT_ASCII_CLUSTER : (unsigned char)cluster;
    }
    return ended(self, items, result);
}

static int Scanner_init(Scanner *self, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"spacing", "entries", "units", "zeroed_words", "shape",
                               "tolerated", "tolerate", "min_tolerated", "part_number",
                               "bare_number", "cartridge", "not_a_part", "code_context",
                               "number", "shapes_remembered", "de_word", "spanish", "de",
                               NULL};
    Py_buffer spacing;
    PyObject *entries, *units, *zeroed_words, *shape, *tolerated, *tolerate;
    Py_ssize_t min_tolerated, shapes_remembered;
    long long part_number, bare_number, cartridge, not_a_part, code_context, number, de_word,
        spanish, de;
    if (!PyArg_ParseTupleAndKeywords(
            args, kwargs, "$y*O!OOOO!OnLLLLLLnLLL", keywords, &spacing, &PyDict_Type, &entries,
            &units, &zeroed_words, &shape, &PyDict_Type, &tolerated, &tolerate, &min_tolerated,
            &part_number, &bare_number, &cartridge, &not_a_part, &code_context, &number,
            &shapes_remembered, &de_word, &spanish, &de)) {
        return -1;
    }
    if (self->slots != NULL) {
        PyBuffer_Release(&spacing);
        PyErr_SetString(PyExc_RuntimeError, "a Scanner is initialised once");
        return -1;
    }
    if (spacing.len != 256) {
        PyBuffer_Release(&spacing);
        PyErr_SetString(PyExc_ValueError, "the spacing table must hold 256 bytes");
        return -1;
    }
    memcpy(self->spacing, spacing.buf, 256);
    PyBuffer_Release(&spacing);
    for (int byte = 0; byte < 256; byte++) {
        unsigned char ch = self->spacing[byte];
        self->kind_of[byte] = ch >= 'a' && ch <= 'z' ? 0
                              : (ch >= '0' && ch <= '9') || ch == '-' ? NOT_LETTER | HAS_MARK
                                                                      : NOT_LETTER;
    }
    if (!PyCallable_Check(shape) || !PyCallable_Check(tolerate)) {
        PyErr_SetString(PyExc_TypeError, "shape and tolerate must be callable");
        return -1;
    }
    /* An entry of n tokens stores at most n keys (itself and its prefixes): room for all of
     * them, under half full. */
    size_t keys = 0, size = 64;
    PyObject *key, *value;
    Py_ssize_t position = 0;
    while (PyDict_Next(entries, &position, &key, &value)) {
        if (!PyUnicode_Check(key)) {
            PyErr_SetString(PyExc_TypeError, "lexicon entries must be str");
            return -1;
        }
        keys += 1;
        if (PyUnicode_IS_ASCII(key)) {
            const char *entry = PyUnicode_DATA(key);
            for (Py_ssize_t i = 1; i < PyUnicode_GET_LENGTH(key); i++) {
                keys += entry[i] == ' ' && entry[i - 1] == ' ';
            }
        }
    }
    Py_ssize_t more = PyObject_Length(units), zeroed = PyObject_Length(zeroed_words);
    if (more < 0 || zeroed < 0) {
        return -1;
    }
    keys += (size_t)(more + zeroed);
    while (size < 2 * keys) {
        size <<= 1;
    }
    self->slots = resized(NULL, size * sizeof(Slot));
    if (self->slots == NULL) {
        return -1;
    }
    for (size_t i = 0; i < size; i++) {
        self->slots[i].offset = -1;
        self->slots[i].flags = 0;
        self->slots[i].bits = 0;
    }
    self->mask = size - 1;
    position = 0;
    while (PyDict_Next(entries, &position, &key, &value)) {
        if (!PyUnicode_IS_ASCII(key)) {
            /* No ASCII text holds it. */
            continue;
        }
        unsigned long long bits = PyLong_AsUnsignedLongLong(value);
        if (bits == (unsigned long long)-1 && PyErr_Occurred()) {
            return -1;
        }
        if (add_entry(self, PyUnicode_DATA(key), PyUnicode_GET_LENGTH(key), bits) < 0) {
            return -1;
        }
    }
    if (add_words(self, units, UNIT) < 0 || add_words(self, zeroed_words, ZEROED_WORD) < 0) {
        return -1;
    }
    self->shapes = PyDict_New();
    if (self->shapes == NULL) {
        return -1;
    }
    Py_INCREF(shape);
    Py_INCREF(tolerated);
    Py_INCREF(tolerate);
    self->shape = shape;
    self->tolerated = tolerated;
    self->tolerate = tolerate;
    self->min_tolerated = min_tolerated;
    self->part_number = part_number;
    self->bare_number = bare_number;
    self->cartridge = cartridge;
    self->not_a_part = not_a_part;
    self->code_context = code_context;
    self->number = number;
    self->shapes_remembered = shapes_remembered;
    self->de_word = de_word;
    self->spanish = spanish;
    self->de = de;
    self->decisions = resized(NULL, DECISIONS * sizeof(Decision));
    if (self->decisions == NULL) {
        return -1;
    }
    self->decisions_mask = DECISIONS - 1;
    forget_decisions(self);
    self->ready = 1;
    return 0;
}

static void Scanner_dealloc(Scanner *self) {
    PyMem_Free(self->slots);
    PyMem_Free(self->arena);
    PyMem_Free(self->text);
    PyMem_Free(self->starts);
    PyMem_Free(self->ends);
    PyMem_Free(self->hashes);
    PyMem_Free(self->kinds);
    PyMem_Free(self->decisions);
    Py_XDECREF(self->decide);
    Py_XDECREF(self->shape);
    Py_XDECREF(self->shapes);
    Py_XDECREF(self->tolerated);
    Py_XDECREF(self->tolerate);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef Scanner_methods[] = {
    {"scan", (PyCFunction)Scanner_scan, METH_O,
     "Return the cue bits of each text as native int64s, -1 for a text beyond ASCII."},
    {"clusters", (PyCFunction)Scanner_clusters, METH_VARARGS,
     "Return each text's cluster, decided by decide(cue bits) once per cue set; 255 for a text "
     "beyond ASCII."},
    {NULL, NULL, 0, NULL},
};

/* Not tracked by the garbage collector: a Scanner holds module-level functions and dicts, which
 * never hold it back. */
static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "backend.app.analytics.pain_points._cue_scan.Scanner",
    .tp_doc = PyDoc_STR("Find the cue bits of ASCII texts with a lexicon's entries."),
    .tp_basicsize = sizeof(Scanner),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Scanner_init,
    .tp_dealloc = (destructor)Scanner_dealloc,
    .tp_methods = Scanner_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_cue_scan",
    .m_doc = PyDoc_STR("The cue bits of a batch of ASCII texts in one C pass."),
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__cue_scan(void) {
    if (PyType_Ready(&ScannerType) < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) {
        return NULL;
    }
    if (PyModule_AddObjectRef(m, "Scanner", (PyObject *)&ScannerType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
