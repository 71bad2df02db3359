"""``GANTrainer``: ``deepgrad.train.Trainer`` with two optimizers and alternating steps.

It is a Trainer subclass that replaces only the per-epoch loops, so ``fit``'s callbacks,
History, progress lines, scheduler, ``run_dir`` and checkpoints are the Trainer's own. One
training step on a batch (x, y) (y: labels of a conditional GAN, ignored otherwise)::

    d_opt.zero_grad(); model.discriminator_loss(x, y)["loss"].backward(); d_opt.step()
    model.after_discriminator_step()                # WGAN: clip the critic's weights
    every n_critic-th batch:                        # model.n_critic
        freeze D; g_opt.zero_grad(); model.generator_loss(len(x), y)["loss"].backward()
        g_opt.step(); unfreeze D

The History gets one row per epoch: ``loss`` (the discriminator's / critic's mean loss),
``d_loss``, ``g_loss`` and the mean of every other term the losses report (``d_real``,
``d_fake`` for a GAN; ``wasserstein``, ``gradient_penalty`` for WGAN(-GP)); with validation
data, ``val_`` versions of ``model.loss`` terms. Checkpoints hold both optimizers through
:class:`GANOptimizers`, whose ``state_dict`` nests the two.
"""
from ..autograd import no_grad
from ..random import default_generator
from ..train import Trainer
from ..train.data import batch_size_of, steps_per_epoch, unpack_batch
from ..train.modes import evaluating


class GANOptimizers:
    """The generator's and the discriminator's optimizers as one object for the Trainer.

    ``param_groups`` lists the generator's groups, then the discriminator's (the History's
    ``lr`` is the generator's first group's); ``state_dict``/``load_state_dict`` nest both.
    """

    def __init__(self, generator, discriminator):
        for name, opt in (("generator", generator), ("discriminator", discriminator)):
            if not hasattr(opt, "step") or not hasattr(opt, "param_groups"):
                raise TypeError(f"the {name} optimizer must be a deepgrad.optim.Optimizer, "
                                f"got {type(opt).__name__}")
        self.generator, self.discriminator = generator, discriminator

    @property
    def param_groups(self):
        return self.generator.param_groups + self.discriminator.param_groups

    def zero_grad(self, set_to_none=True):
        self.generator.zero_grad(set_to_none)
        self.discriminator.zero_grad(set_to_none)

    def step(self):
        raise RuntimeError("GANOptimizers.step: step .generator and .discriminator separately")

    def state_dict(self):
        g, d = self.generator.state_dict(), self.discriminator.state_dict()
        return {"param_groups": g["param_groups"] + d["param_groups"], "generator": g,
                "discriminator": d}

    def load_state_dict(self, state):
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])


def _scores_mean(scores, target):
    """The Trainer's shape check before ``fit`` runs D on two samples; this only needs a 0-d
    tensor from the scores (the real losses are the model's)."""
    return scores.mean()


class GANTrainer(Trainer):
    """Train a :class:`~deepgrad.models.gan.GAN` (or WGAN, WGANGP, ConditionalGAN).

    Args:
        model: the GAN.
        generator_optimizer, discriminator_optimizer: default ``model.default_optimizers()``
            (Adam(2e-4, (0.5, 0.999)) for a GAN, RMSprop(5e-5) for a WGAN,
            Adam(1e-4, (0, 0.9)) for a WGAN-GP).
        callbacks, device, progress, seed, run_dir, scheduler, batch_size: as ``Trainer``.

    ``fit((X, y), epochs)``: X the real data (y labels, or any per-sample values for an
    unconditional GAN: ``(X, zeros(len(X)))``), or a DataLoader/Dataset of such pairs.
    """

    def __init__(self, model, generator_optimizer=None, discriminator_optimizer=None,
                 callbacks=(), device=None, progress=True, seed=None, run_dir=None,
                 scheduler=None, batch_size=64):
        for name in ("discriminator_loss", "generator_loss", "after_discriminator_step"):
            if not callable(getattr(model, name, None)):
                raise TypeError(f"GANTrainer needs a GAN model (with {name}), got "
                                f"{type(model).__name__}")
        if (generator_optimizer is None) != (discriminator_optimizer is None):
            raise ValueError("pass both generator_optimizer and discriminator_optimizer, or "
                             "neither (then model.default_optimizers() is used)")
        if generator_optimizer is None:
            generator_optimizer, discriminator_optimizer = model.default_optimizers()
        optimizers = GANOptimizers(generator_optimizer, discriminator_optimizer)
        super().__init__(model, optimizers, _scores_mean, callbacks=callbacks, device=device,
                         progress=progress, seed=seed, run_dir=run_dir, scheduler=scheduler,
                         batch_size=batch_size)

    def fit(self, train, epochs=1, val=None, val_split=None, initial_epoch=0, batch_size=None,
            shuffle=True):
        """As ``Trainer.fit``; first checks that G's samples fit D (two samples, no RNG used)."""
        self._check_generator_output()
        return super().fit(train, epochs, val, val_split, initial_epoch, batch_size, shuffle)

    def _check_generator_output(self):
        model, state = self.model, default_generator.get_state()
        modes = [(m, m.training) for m in model.modules()]
        model.eval()
        try:
            with no_grad():
                labels = None
                if getattr(model, "n_classes", None):
                    from ..creation import zeros   # noqa: PLC0415
                    labels = zeros(2).long()
                fake = model.generate(self._move(model.sample_latent(2)), labels)
                try:
                    model.score(fake, labels)
                except Exception as e:  # noqa: BLE001 - re-raised with the shapes named
                    raise ValueError(f"the discriminator cannot take the generator's samples "
                                     f"of shape {tuple(fake.shape)}: {e}") from e
        finally:
            default_generator.set_state(state)
            for m, training in modes:
                m.training = training

    def _train_epoch(self, loader, epoch, epochs, cbs):
        model, opts = self.model, self.optimizer
        begin, end = cbs.batch_hooks("train")
        progress = self._progress
        model.train()
        progress.epoch_begin(epoch, epochs, steps_per_epoch(loader))
        self.current_epoch = epoch
        sums, counts = {}, {}

        def record(prefix, terms, n):
            for key, value in terms.items():
                name = prefix if key == "loss" else key
                sums[name] = sums.get(name, 0.0) + float(value.item()) * n
                counts[name] = counts.get(name, 0) + n

        d_params = list(model.discriminator.parameters())
        for step, batch in enumerate(loader):
            if self.stop_training:
                break
            for fn in begin:
                fn(step, {})
            x, y = unpack_batch(batch)
            x, y = self._move(x), self._move(y)
            n = batch_size_of(x)
            opts.discriminator.zero_grad()
            d_terms = model.discriminator_loss(x, y)
            d_terms["loss"].backward()
            opts.discriminator.step()
            model.after_discriminator_step()
            record("d_loss", d_terms, n)
            if (step + 1) % model.n_critic == 0:
                for p in d_params:
                    p.requires_grad_(False)
                try:
                    opts.generator.zero_grad()
                    g_terms = model.generator_loss(n, y)
                    g_terms["loss"].backward()
                    opts.generator.step()
                finally:
                    for p in d_params:
                        p.requires_grad_(True)
                record("g_loss", g_terms, n)
                self.global_step += 1
            logs = {"loss": sums["d_loss"] / counts["d_loss"]}
            logs.update({k: sums[k] / counts[k] for k in sums})
            for fn in end:
                fn(step, logs)
            progress.batch_end(logs)
        if not sums:
            return {"loss": float("nan")}
        logs = {"loss": sums["d_loss"] / counts["d_loss"]}
        logs.update({k: sums[k] / counts[k] for k in sums})
        return logs

    def _run_eval(self, loader, cbs=None):
        """Mean ``model.loss`` terms on ``loader`` in eval mode (the gradient penalty still
        takes its input gradient)."""
        begin, end = cbs.batch_hooks("test") if cbs is not None else ((), ())
        sums, count = {}, 0
        with evaluating(self.model):
            for step, batch in enumerate(loader):
                for fn in begin:
                    fn(step, {})
                x, y = unpack_batch(batch)
                x, y = self._move(x), self._move(y)
                n = batch_size_of(x)
                for key, value in self.model.loss((x, y)).items():
                    sums[key] = sums.get(key, 0.0) + float(value.item()) * n
                count += n
                for fn in end:
                    fn(step, {"loss": sums["d_loss"] / count})
        if not count:
            return {"loss": float("nan")}
        logs = {k: v / count for k, v in sums.items()}
        logs["loss"] = logs["d_loss"]
        return logs
