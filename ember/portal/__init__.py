"""The portal process: it holds every player socket and turns bytes into lines and back."""
