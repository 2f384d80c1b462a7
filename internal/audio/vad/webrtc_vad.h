// C interface to WebRTC's voice activity detector (the WebRtcVad_* C API that
// libwebrtc_audio_processing.so.1 exports; Debian's libwebrtc-audio-processing1),
// loaded at run time with dlopen: the binary has no link-time dependency on the
// library or on the C++ runtime it pulls in.
#ifndef RTAGENT_WEBRTC_VAD_H
#define RTAGENT_WEBRTC_VAD_H

#include <stddef.h>
#include <stdint.h>

// Sample rate and frame length the detector runs at: 10 ms at 16 kHz.
enum { RT_VAD_RATE = 16000, RT_VAD_FRAME = 160 };

typedef struct rt_vad_lib rt_vad_lib;
typedef struct rt_vad rt_vad;

// rt_vad_open dlopens the shared library name and resolves the WebRtcVad_*
// functions. On failure it returns NULL and copies dlerror()'s text (or its own)
// into err. The result is never freed: the caller keeps it for the process.
rt_vad_lib *rt_vad_open(const char *name, char *err, size_t errlen);

// rt_vad_new creates a detector with WebRTC VAD mode 0..3 (3 = most aggressive,
// fewest non-speech frames called speech). Returns NULL on failure.
rt_vad *rt_vad_new(const rt_vad_lib *lib, int mode);

// rt_vad_process classifies one RT_VAD_FRAME-sample frame at RT_VAD_RATE:
// 1 speech, 0 no speech, -1 error.
int rt_vad_process(rt_vad *v, const int16_t *pcm);

// rt_vad_reset forgets the stream (noise estimates, hangover) and keeps the mode:
// 0, or -1 on error.
int rt_vad_reset(rt_vad *v);

void rt_vad_free(rt_vad *v);

#endif
