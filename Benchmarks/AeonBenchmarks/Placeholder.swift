import Aeon
