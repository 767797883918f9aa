from tests.fakes.cloudinary import fake_cloudinary  # noqa: F401  (fixture)
