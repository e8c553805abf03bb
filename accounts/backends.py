from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class BranchAwareModelBackend(ModelBackend):
    """Loads the signed-in user with their branch: every page shows it, one query fewer."""

    def get_user(self, user_id):
        try:
            user = User.objects.select_related("branch").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
