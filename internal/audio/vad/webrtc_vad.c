// dlopen shim over WebRTC's C VAD API; see webrtc_vad.h.
//
// It reproduces what the AudioProcessing module's VoiceDetection component did for
// this package (webrtc-audio-processing 0.3, voice_detection_impl.cc): one VadInst,
// WebRtcVad_Init then WebRtcVad_set_mode with its likelihood mapping (kHigh → 0,
// kModerate → 1, kLow → 2, kVeryLow → 3, which was the identity on our modes), and
// per 10 ms frame WebRtcVad_Process(inst, 16000, frame, 160) on the unmodified
// input (mono 16 kHz: no band split, every other component was off). APM's
// Initialize, our reset, re-ran WebRtcVad_Init and set_mode.
#include "webrtc_vad.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct WebRtcVadInst VadInst;

struct rt_vad_lib {
  void *handle;
  VadInst *(*create)(void);
  void (*free)(VadInst *);
  int (*init)(VadInst *);
  int (*set_mode)(VadInst *, int);
  int (*process)(VadInst *, int, const int16_t *, size_t);
  int (*valid)(int, size_t);
};

struct rt_vad {
  const rt_vad_lib *lib;
  VadInst *inst;
  int mode;
};

static int sym(void *h, const char *name, void **fn, char *err, size_t errlen) {
  dlerror();
  *fn = dlsym(h, name);
  if (*fn != NULL) return 0;
  const char *e = dlerror();
  snprintf(err, errlen, "%s", e != NULL ? e : "symbol is NULL");
  return -1;
}

rt_vad_lib *rt_vad_open(const char *name, char *err, size_t errlen) {
  void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    const char *e = dlerror();
    snprintf(err, errlen, "%s", e != NULL ? e : "dlopen failed");
    return NULL;
  }
  rt_vad_lib *lib = calloc(1, sizeof *lib);
  if (lib == NULL) {
    snprintf(err, errlen, "out of memory");
    dlclose(h);
    return NULL;
  }
  lib->handle = h;
  if (sym(h, "WebRtcVad_Create", (void **)&lib->create, err, errlen) != 0 ||
      sym(h, "WebRtcVad_Free", (void **)&lib->free, err, errlen) != 0 ||
      sym(h, "WebRtcVad_Init", (void **)&lib->init, err, errlen) != 0 ||
      sym(h, "WebRtcVad_set_mode", (void **)&lib->set_mode, err, errlen) != 0 ||
      sym(h, "WebRtcVad_Process", (void **)&lib->process, err, errlen) != 0 ||
      sym(h, "WebRtcVad_ValidRateAndFrameLength", (void **)&lib->valid, err,
          errlen) != 0) {
    free(lib);
    dlclose(h);
    return NULL;
  }
  if (lib->valid(RT_VAD_RATE, RT_VAD_FRAME) != 0) {
    snprintf(err, errlen, "WebRtcVad_ValidRateAndFrameLength rejects %d Hz, %d samples",
             RT_VAD_RATE, RT_VAD_FRAME);
    free(lib);
    dlclose(h);
    return NULL;
  }
  return lib;
}

static int configure(rt_vad *v) {
  if (v->lib->init(v->inst) != 0) return -1;
  return v->lib->set_mode(v->inst, v->mode) != 0 ? -1 : 0;
}

rt_vad *rt_vad_new(const rt_vad_lib *lib, int mode) {
  if (lib == NULL || mode < 0 || mode > 3) return NULL;
  rt_vad *v = calloc(1, sizeof *v);
  if (v == NULL) return NULL;
  v->lib = lib;
  v->mode = mode;
  v->inst = lib->create();
  if (v->inst == NULL || configure(v) != 0) {
    if (v->inst != NULL) lib->free(v->inst);
    free(v);
    return NULL;
  }
  return v;
}

int rt_vad_process(rt_vad *v, const int16_t *pcm) {
  int r = v->lib->process(v->inst, RT_VAD_RATE, pcm, RT_VAD_FRAME);
  return r == 0 || r == 1 ? r : -1;
}

int rt_vad_reset(rt_vad *v) { return configure(v); }

void rt_vad_free(rt_vad *v) {
  if (v == NULL) return;
  v->lib->free(v->inst);
  free(v);
}
