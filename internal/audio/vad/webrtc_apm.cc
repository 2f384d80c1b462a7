// C shim over webrtc::AudioProcessing's VoiceDetection component; see webrtc_apm.h.
#include "webrtc_apm.h"

#include <string.h>

#include <new>

#include "webrtc/modules/audio_processing/include/audio_processing.h"
#include "webrtc/modules/interface/module_common_types.h"

struct rt_vad {
  webrtc::AudioProcessing *apm;
  webrtc::AudioFrame frame;
};

static webrtc::VoiceDetection::Likelihood likelihood_for(int mode) {
  // audio_processing's mapping onto WebRtcVad_set_mode: very low likelihood = mode 3.
  switch (mode) {
    case 0:
      return webrtc::VoiceDetection::kHighLikelihood;
    case 1:
      return webrtc::VoiceDetection::kModerateLikelihood;
    case 2:
      return webrtc::VoiceDetection::kLowLikelihood;
    default:
      return webrtc::VoiceDetection::kVeryLowLikelihood;
  }
}

static int configure(rt_vad *v, int mode) {
  webrtc::VoiceDetection *vd = v->apm->voice_detection();
  int err = vd->set_likelihood(likelihood_for(mode));
  if (err == 0) err = vd->set_frame_size_ms(10);
  if (err == 0) err = vd->Enable(true);
  return err;
}

extern "C" rt_vad *rt_vad_new(int mode) {
  if (mode < 0 || mode > 3) return NULL;
  webrtc::Config cfg;
  // Only the voice detector runs: no AGC (on by default in this config), no echo
  // control, no noise suppression, no high-pass filter.
  cfg.Set<webrtc::ExperimentalAgc>(new webrtc::ExperimentalAgc(false));
  rt_vad *v = new (std::nothrow) rt_vad;
  if (v == NULL) return NULL;
  v->apm = webrtc::AudioProcessing::Create(cfg);
  if (v->apm == NULL) {
    delete v;
    return NULL;
  }
  if (v->apm->Initialize(RT_VAD_RATE, RT_VAD_RATE, RT_VAD_RATE,
                         webrtc::AudioProcessing::kMono,
                         webrtc::AudioProcessing::kMono,
                         webrtc::AudioProcessing::kMono) != 0 ||
      configure(v, mode) != 0) {
    delete v->apm;
    delete v;
    return NULL;
  }
  return v;
}

extern "C" int rt_vad_process(rt_vad *v, const int16_t *pcm) {
  webrtc::AudioFrame &f = v->frame;
  f.sample_rate_hz_ = RT_VAD_RATE;
  f.samples_per_channel_ = RT_VAD_FRAME;
  f.num_channels_ = 1;
  f.interleaved_ = true;
  memcpy(f.data_, pcm, RT_VAD_FRAME * sizeof(int16_t));
  int err = v->apm->ProcessStream(&f);
  if (err != 0) return err < 0 ? err : -err;
  return v->apm->voice_detection()->stream_has_voice() ? 1 : 0;
}

extern "C" int rt_vad_reset(rt_vad *v) {
  int err = v->apm->Initialize();
  return err < 0 ? err : -err;
}

extern "C" void rt_vad_free(rt_vad *v) {
  if (v == NULL) return;
  delete v->apm;
  delete v;
}
