from favorpolicy.testing import register_profiles

# HYPOTHESIS_PROFILE=ci (set by .ci/run) runs 500 examples per property; dev is quick.
register_profiles()
