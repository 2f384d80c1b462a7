// C interface to the voice detector of WebRTC's audio processing module
// (libwebrtc-audio-processing 0.3, Debian's libwebrtc-audio-processing-dev).
#ifndef RTAGENT_WEBRTC_APM_H
#define RTAGENT_WEBRTC_APM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Sample rate and frame length the detector runs at: 10 ms at 16 kHz.
enum { RT_VAD_RATE = 16000, RT_VAD_FRAME = 160 };

typedef struct rt_vad rt_vad;

// rt_vad_new creates a detector with WebRTC VAD mode 0..3 (3 = most aggressive,
// fewest non-speech frames called speech). Returns NULL on failure.
rt_vad *rt_vad_new(int mode);

// rt_vad_process classifies one RT_VAD_FRAME-sample frame at RT_VAD_RATE:
// 1 speech, 0 no speech, negative an APM error code.
int rt_vad_process(rt_vad *v, const int16_t *pcm);

// rt_vad_reset forgets the stream (noise estimates, hangover).
int rt_vad_reset(rt_vad *v);

void rt_vad_free(rt_vad *v);

#ifdef __cplusplus
}
#endif

#endif
